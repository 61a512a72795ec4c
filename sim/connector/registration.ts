import http from 'node:http';
import { X509Certificate } from 'node:crypto';
import { createClientCsr } from '../pki/client-csr.ts';
import { REGISTRATION_PATHS } from '../protocol/data-plane-paths.ts';
import type { ClientCredentials, RelayDialer } from './relay-dialer.ts';
import { SimError } from '../common/sim-error.ts';

/** A client certificate the relay issued us, with when we got it (renewal counts age from then). */
export interface ConnectorCertificate extends ClientCredentials {
  readonly serial: string;
  readonly notAfter: Date;
  readonly obtainedAt: number;
}

export class RegistrationError extends SimError<'registration_failed'> {
  /** `retryable` is false when the relay refused us (bad token, bad CSR): only an operator can fix that. */
  constructor(message: string, retryable = true) {
    super('registration_failed', message, { retryable });
  }
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/** Signing takes milliseconds; a relay silent this long is not going to answer. */
const ANSWER_TIMEOUT_MS = 15_000;

/** Registers with an administrator token: a new key, a CSR for our id, a certificate back. */
export function register(dialer: RelayDialer, connectorId: string, adminToken: string): Promise<ConnectorCertificate> {
  return requestCertificate(dialer, REGISTRATION_PATHS.register, connectorId, { authorization: `Bearer ${adminToken}` });
}

/** Renews over mutual TLS with the current certificate (the dialer carries it); a fresh key each time. */
export function renew(dialer: RelayDialer, connectorId: string): Promise<ConnectorCertificate> {
  return requestCertificate(dialer, REGISTRATION_PATHS.renew, connectorId, {});
}

async function requestCertificate(dialer: RelayDialer, path: string, connectorId: string, headers: http.OutgoingHttpHeaders): Promise<ConnectorCertificate> {
  const { csrPem, keyPem } = await createClientCsr(connectorId);
  const socket = await dialer.dial('http/1.1');
  const body = JSON.stringify({ csr: csrPem });
  const { status, json } = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const request = http.request(
      {
        method: 'POST',
        path,
        createConnection: () => socket,
        headers: { ...headers, host: 'relay', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) return res.destroy(new RegistrationError(`the relay's answer to ${path} is larger than ${MAX_RESPONSE_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.once('error', reject);
        res.once('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
          } catch {
            reject(new RegistrationError(`the relay answered ${path} with ${res.statusCode} and a body that is not JSON`));
          }
        });
      },
    );
    request.setTimeout(ANSWER_TIMEOUT_MS, () => request.destroy(new RegistrationError(`the relay did not answer ${path} within ${ANSWER_TIMEOUT_MS} ms`)));
    request.once('error', (err) =>
      reject(
        new RegistrationError(`${path} failed: ${err.message} (if the relay cut the connection, our certificate may be revoked or expired: register again)`),
      ),
    );
    request.end(body);
  });
  if (status !== 201 || typeof json['certificate'] !== 'string') {
    const hint = status === 401 ? (path === REGISTRATION_PATHS.register ? ' (check the administrator token)' : ' (register again)') : '';
    throw new RegistrationError(`the relay refused ${path} with ${status}: ${String(json['error'] ?? 'no reason given')}${hint}`, status >= 500);
  }
  const certificate = new X509Certificate(json['certificate']);
  return {
    certificatePem: json['certificate'],
    keyPem,
    serial: certificate.serialNumber.toUpperCase(),
    notAfter: new Date(certificate.validTo),
    obtainedAt: Date.now(),
  };
}
