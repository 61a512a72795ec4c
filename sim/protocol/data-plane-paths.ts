/** Paths on the relay's connector endpoint (DESIGN 4). */
export const CONTROL_PATH = '/connector/v1/control';

/**
 * The connector's first data-plane stream after its welcome: it shows the data token, which binds
 * the HTTP/2 session to the control channel and takes it off the endpoint's unauthenticated list
 * (an idle session would otherwise be cut at the handshake timeout).
 */
export const SESSION_BIND_PATH = '/connector/v1/session';

export type DataPlaneAction = 'body' | 'response' | 'tunnel';

const DATA_PLANE_PATTERN = /^\/connector\/v1\/requests\/([A-Za-z0-9_-]{1,64})\/(body|response|tunnel)$/;

export function dataPlanePath(id: string, action: DataPlaneAction): string {
  return `/connector/v1/requests/${id}/${action}`;
}

export function parseDataPlanePath(path: string): { id: string; action: DataPlaneAction } | undefined {
  const match = DATA_PLANE_PATTERN.exec(path);
  if (!match) return undefined;
  return { id: match[1]!, action: match[2] as DataPlaneAction };
}

/** HTTP/2 request headers on data-plane streams. */
export const DATA_HEADERS = {
  token: 'x-relay-data-token',
  status: 'x-relay-status',
  /** JSON of the backend's raw response header list. */
  head: 'x-relay-head',
} as const;

/** Connector certificate lifecycle on the connector endpoint (HTTP/1.1, JSON bodies). */
export const REGISTRATION_PATHS = {
  /** Administrator token + CSR → client certificate. */
  register: '/connector/v1/register',
  /** Current client certificate (mutual TLS) + CSR → a new certificate for the same connector. */
  renew: '/connector/v1/renew',
  /** Administrator token + {serial} or {connectorId}. */
  revoke: '/connector/v1/revoke',
} as const;
