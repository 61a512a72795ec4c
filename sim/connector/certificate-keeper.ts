import { Backoff, type BackoffSettings } from '../common/backoff.ts';
import type { Logger } from '../common/logger.ts';
import type { ConnectorMetrics } from './connector-metrics.ts';
import { LinkError, type RelayDialer } from './relay-dialer.ts';
import { register, renew, type ConnectorCertificate } from './registration.ts';

/** Node timers cap at about 24.8 days, so a 180-day wait is a chain of shorter ones. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CertificateKeeperOptions {
  readonly connectorId: string;
  readonly adminToken: string;
  readonly renewAfterSeconds: number;
  /** Backoff between failed registrations. */
  readonly retry: BackoffSettings;
  /** One dialer per relay, without client credentials: any relay will do (they share one CA). */
  readonly dialers: readonly { relayId: string; dialer: RelayDialer }[];
  readonly metrics: ConnectorMetrics;
  readonly log: Logger;
  /** A certificate was obtained: the first (`register`) opens the links, later ones roll them. */
  readonly onCertificate: (certificate: ConnectorCertificate, kind: 'register' | 'renew') => void;
}

/**
 * A connector's client certificate over its life (App Proxy registration): register once with the
 * administrator token, renew over mutual TLS when the certificate is older than `renewAfterSeconds`,
 * and retry either with backoff. Until registration works, `problem` says why.
 */
export class CertificateKeeper {
  readonly #options: CertificateKeeperOptions;
  #certificate: ConnectorCertificate | undefined;
  #problem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: CertificateKeeperOptions) {
    this.#options = options;
  }

  get certificate(): ConnectorCertificate | undefined {
    return this.#certificate;
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  start(): void {
    void this.#register(new Backoff(this.#options.retry));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #register(backoff: Backoff): Promise<void> {
    const { dialers, connectorId, adminToken, metrics, log } = this.#options;
    const failures: string[] = [];
    for (const { relayId, dialer } of dialers) {
      try {
        const certificate = await register(dialer, connectorId, adminToken);
        if (this.#closed) return;
        this.#problem = undefined;
        return this.#adopt(certificate, 'register');
      } catch (err) {
        if (err instanceof LinkError) metrics.linkErrors.inc({ code: err.code });
        failures.push(`${relayId}: ${(err as Error).message}`);
      }
    }
    metrics.certificates.inc({ kind: 'register', outcome: 'error' });
    const problem = `registration failed; ${failures.join('; ')}`;
    if (problem !== this.#problem) log.error(problem);
    this.#problem = problem;
    this.#schedule(backoff.nextDelayMs(), () => this.#register(backoff));
  }

  /** Renews with the current certificate through any relay; the old one keeps working meanwhile. */
  async #renew(): Promise<void> {
    const current = this.#certificate!;
    let lastError = '';
    for (const { relayId, dialer } of this.#options.dialers) {
      try {
        const renewed = await renew(dialer.withCredentials(current), this.#options.connectorId);
        if (!this.#closed) this.#adopt(renewed, 'renew');
        return;
      } catch (err) {
        lastError = `${relayId}: ${(err as Error).message}`;
      }
    }
    this.#options.metrics.certificates.inc({ kind: 'renew', outcome: 'error' });
    const retryMs = Math.min(60_000, Math.max(1000, (this.#options.renewAfterSeconds * 1000) / 4));
    this.#options.log.error({ retryMs }, `certificate renewal failed (the current one works until ${current.notAfter.toISOString()}); ${lastError}`);
    this.#schedule(retryMs, () => this.#renew());
  }

  #adopt(certificate: ConnectorCertificate, kind: 'register' | 'renew'): void {
    this.#certificate = certificate;
    const { metrics, log, renewAfterSeconds } = this.#options;
    metrics.certificates.inc({ kind, outcome: 'ok' });
    metrics.certificateNotAfter.set(certificate.notAfter.getTime() / 1000);
    log.info({ serial: certificate.serial, notAfter: certificate.notAfter, kind }, 'client certificate obtained');
    this.#schedule(certificate.obtainedAt + renewAfterSeconds * 1000 - Date.now(), () => this.#renew());
    this.#options.onCertificate(certificate, kind);
  }

  #schedule(delayMs: number, run: () => Promise<void>, dueAt = Date.now() + delayMs): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const remaining = dueAt - Date.now();
    this.#timer =
      remaining > MAX_TIMER_MS ? setTimeout(() => this.#schedule(0, run, dueAt), MAX_TIMER_MS) : setTimeout(() => void run(), Math.max(0, remaining));
  }
}
