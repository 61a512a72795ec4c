import { SimError } from '../common/sim-error.ts';

/**
 * Every error the relay renders to a user, with its HTTP status and stable `x-relay-error` code
 * (DESIGN 3.3). Retry decisions and tests key on `code`, never on message text.
 */
export const RELAY_ERRORS = {
  app_not_found: { status: 404, retryable: false, title: 'No published app answers to this host name.' },
  no_connector: { status: 504, retryable: true, title: "No connector in the app's connector group is available." },
  queue_timeout: { status: 504, retryable: true, title: 'Every connector of the group stayed busy until the queue deadline.' },
  queue_full: { status: 503, retryable: true, title: "The connector group's request queue is full." },
  backend_unreachable: { status: 502, retryable: true, title: 'The connector could not reach the backend application.' },
  backend_timeout: { status: 504, retryable: false, title: 'The backend application took too long to answer.' },
  connector_lost: { status: 502, retryable: false, title: 'The connector serving this request was lost mid-request.' },
  throttled: { status: 429, retryable: true, title: 'Too many requests for this app or tenant.' },
  request_header_fields_too_large: { status: 431, retryable: false, title: 'The request carries too many or too large headers.' },
  bad_request: { status: 400, retryable: false, title: 'The request is malformed.' },
  request_timeout: { status: 408, retryable: true, title: 'The request head or body did not arrive in time.' },
  idle_timeout: { status: 408, retryable: true, title: 'No byte moved in either direction for longer than the idle bound.' },
  internal_error: { status: 500, retryable: true, title: 'The relay failed on this request; it keeps serving others.' },
  auth_required: { status: 401, retryable: false, title: 'Sign-in is required for this app.' },
  not_assigned: { status: 403, retryable: false, title: 'The user is not assigned to this app.' },
} as const satisfies Record<string, { status: number; retryable: boolean; title: string }>;

export type RelayErrorCode = keyof typeof RELAY_ERRORS;

export const RELAY_ERROR_CODES = Object.keys(RELAY_ERRORS) as RelayErrorCode[];

export class RelayError extends SimError<RelayErrorCode> {
  readonly status: number;

  constructor(code: RelayErrorCode, detail?: string) {
    const spec = RELAY_ERRORS[code];
    super(code, detail ?? spec.title, { retryable: spec.retryable });
    this.status = spec.status;
  }
}

/** Codes a connector may report for a request it accepted (sent in a `fail` message). */
export const CONNECTOR_FAILURE_CODES = ['backend_unreachable', 'backend_timeout'] as const;
export type ConnectorFailureCode = (typeof CONNECTOR_FAILURE_CODES)[number];

/** Codes the relay sends in an `error` control message before it closes a misbehaving channel. */
export const PROTOCOL_ERROR_CODES = [
  'malformed_frame',
  'unknown_message',
  'unsupported_version',
  'unexpected_message',
  'unknown_request',
  'not_your_request',
  'unauthorized',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends SimError<ProtocolErrorCode> {
  constructor(code: ProtocolErrorCode, detail: string) {
    super(code, detail);
  }
}

/**
 * Anything a connector sends that cannot be applied (e.g. a response head Node refuses to write)
 * is that connector's protocol violation: it closes its channel, never the relay process.
 */
export function asViolation(err: unknown): ProtocolError {
  return err instanceof ProtocolError ? err : new ProtocolError('malformed_frame', `connector input could not be applied: ${(err as Error).message}`);
}

/** Why the relay cut a connector's TLS connection right after the handshake (mutual TLS). */
export const HANDSHAKE_REFUSALS = ['no_certificate', 'unknown_ca', 'expired', 'not_yet_valid', 'revoked', 'invalid'] as const;
export type HandshakeRefusal = (typeof HANDSHAKE_REFUSALS)[number];
