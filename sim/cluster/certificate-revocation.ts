import https from 'node:https';
import { z } from 'zod';
import { formatZodError } from '../common/zod-errors.ts';
import { REGISTRATION_PATHS } from '../protocol/data-plane-paths.ts';
import { SimError } from '../common/sim-error.ts';

export const RevokeRequest = z
  .strictObject({
    serial: z
      .string()
      .regex(/^[0-9A-Fa-f]{1,64}$/, 'a certificate serial in hex')
      .optional(),
    connectorId: z.string().min(1).optional(),
  })
  .refine((r) => r.serial !== undefined || r.connectorId !== undefined, { message: 'give {"connectorId"} or {"serial"}' });
export type RevokeRequest = z.infer<typeof RevokeRequest>;

export class RevokeRequestError extends SimError<'bad_revoke_request'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('bad_revoke_request', message, options);
  }
}

export function parseRevokeRequest(value: unknown): RevokeRequest {
  const parsed = RevokeRequest.safeParse(value);
  if (!parsed.success) throw new RevokeRequestError(`bad revocation request:\n${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** What one relay answered. */
export interface RelayRevocation {
  readonly status: number;
  readonly revoked: readonly string[];
  readonly error?: string;
}

const TIMEOUT_MS = 5000;

/**
 * Revokes at every relay. Each relay process keeps its own revocation list, so the controller
 * plays the part of the real service's single store by telling all of them. A relay that is down
 * is reported, not retried: it learns nothing it missed when it comes back.
 */
export async function revokeAtEveryRelay(
  relays: readonly { id: string; connectorUrl: string }[],
  trust: { caCertificatePem: string; adminToken: string },
  request: RevokeRequest,
): Promise<Record<string, RelayRevocation>> {
  const answers = await Promise.all(relays.map(async (relay) => [relay.id, await revokeAt(relay.connectorUrl, trust, request)] as const));
  return Object.fromEntries(answers);
}

function revokeAt(connectorUrl: string, trust: { caCertificatePem: string; adminToken: string }, request: RevokeRequest): Promise<RelayRevocation> {
  const body = JSON.stringify(request);
  return new Promise((resolve) => {
    const req = https.request(
      new URL(REGISTRATION_PATHS.revoke, connectorUrl),
      {
        method: 'POST',
        ca: trust.caCertificatePem,
        timeout: TIMEOUT_MS,
        headers: { authorization: `Bearer ${trust.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let answer: { revoked?: string[]; error?: string } = {};
          try {
            answer = JSON.parse(text) as typeof answer;
          } catch {
            answer = { error: text.slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, revoked: answer.revoked ?? [], ...(answer.error ? { error: answer.error } : {}) });
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.once('error', (err) => resolve({ status: 0, revoked: [], error: `relay unreachable: ${err.message}` }));
    req.end(body);
  });
}
