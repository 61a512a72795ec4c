import { EventEmitter } from 'node:events';

/** The error a cancelled backend call ends with: named as Node's own, so `classify` passes it through. */
export class CancelledError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor() {
    super('the relay cancelled the request, or its link dropped');
  }
}

/**
 * One dispatched request's cancellation (the relay's `cancel`, a lost link, shutdown). An
 * AbortController per request and its listener on every backend call cost a connector about 7 % of
 * its CPU in the profile of `npm run bench:http`, so this is a plain EventEmitter, which undici
 * takes as a request's `signal` (it listens for 'abort' and reads `aborted` and `reason`), and it
 * makes a real AbortSignal only for the paths that need one (streamed pipelines), when they first ask.
 */
export class Cancellation extends EventEmitter {
  #reason: CancelledError | undefined;
  #controller: AbortController | undefined;

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  /** As an AbortSignal's, for undici. */
  get aborted(): boolean {
    return this.cancelled;
  }

  get reason(): CancelledError | undefined {
    return this.#reason;
  }

  /** Runs `handler` on cancel (at once if already cancelled). */
  onCancel(handler: () => void): void {
    if (this.cancelled) handler();
    else this.once('abort', handler);
  }

  /** An AbortSignal that follows this cancellation, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  cancel(): void {
    if (this.#reason) return;
    this.#reason = new CancelledError();
    this.emit('abort');
    this.#controller?.abort(this.#reason);
  }
}
