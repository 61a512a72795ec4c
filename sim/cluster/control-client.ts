import { SimError } from '../common/sim-error.ts';
import type { SimEvent } from './event-log.ts';
import type { TopologyView } from './topology-view.ts';

/** A control-API call that got no answer (`control_unreachable`) or a malformed one. */
export class ControlClientError extends SimError<'control_unreachable' | 'control_bad_answer'> {
  constructor(code: 'control_unreachable' | 'control_bad_answer', message: string, options: { readonly cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: code === 'control_unreachable' });
  }
}

/** A fault as `POST /faults` takes it (DESIGN 3.5). */
export interface FaultCall {
  readonly action: string;
  readonly target: string;
  readonly params?: Record<string, unknown>;
}

/** The control API's answer to a fault: `ok` with the target it hit, or the reason it refused (400/409). */
export interface FaultAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly target?: string;
  readonly error?: string;
  readonly [key: string]: unknown;
}

/**
 * The typed client of the sim control API (:9070), used by the load rig and the tests; the k6
 * scripts speak the same routes with k6's own http module. Every call is bounded by `timeoutMs`.
 */
export class ControlClient {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { readonly timeoutMs?: number } = {}) {
    this.url = url.replace(/\/$/, '');
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  topology(): Promise<TopologyView> {
    return this.#json<TopologyView>('GET', '/topology').then((answer) => answer.body);
  }

  /** The timeline, optionally only entries from `sinceMs` (milliseconds since the sim started). */
  events(sinceMs = 0): Promise<SimEvent[]> {
    return this.#json<SimEvent[]>('GET', `/events${sinceMs > 0 ? `?sinceMs=${sinceMs}` : ''}`).then((answer) => answer.body);
  }

  /** Injects a fault; a refusal (400 bad request, 409 cannot apply) is an answer, not an exception. */
  async fault(call: FaultCall): Promise<FaultAnswer> {
    // Only the fields of a fault: callers often pass richer plan entries (with `at`, for example).
    const request = { action: call.action, target: call.target, ...(call.params ? { params: call.params } : {}) };
    const { status, body } = await this.#json<Record<string, unknown>>('POST', '/faults', request);
    return { ...body, status, ok: status === 200 };
  }

  async #json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      throw new ControlClientError(
        'control_unreachable',
        `cannot reach the control API at ${this.url}: ${(err as Error).message}; is the sim running (npm run sim)?`,
        { cause: err },
      );
    }
    try {
      return { status: res.status, body: (await res.json()) as T };
    } catch (err) {
      throw new ControlClientError('control_bad_answer', `${method} ${path} on ${this.url} did not answer JSON (status ${res.status})`, { cause: err });
    }
  }
}
