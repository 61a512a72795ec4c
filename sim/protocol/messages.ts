import { z } from 'zod';
import { CONNECTOR_FAILURE_CODES, PROTOCOL_ERROR_CODES, ProtocolError } from './errors.ts';

/** Bumped on any incompatible change; `hello` and `welcome` carry it and the relay refuses others. */
export const PROTOCOL_VERSION = 3;

/** Raw header list as Node's `rawHeaders`: [name, value, name, value, ...], order and case kept. */
const RawHeaders = z.array(z.string()).refine((list) => list.length % 2 === 0, 'must hold name/value pairs');
const RequestId = z.string().min(1).max(64);

// connector → relay
const Hello = z.object({
  type: z.literal('hello'),
  v: z.number().int(),
  connectorId: z.string().min(1).max(128),
  group: z.string().min(1).max(128),
  version: z.string().max(64),
  slots: z.number().int().positive().max(100_000),
  /**
   * A random value the connector process draws once at start (v2). All links of one process carry
   * the same one, so the relay can tell a second link of the same connector (renewal, several
   * relays) from another process claiming a connector id that is already connected.
   */
  instance: z.string().min(16).max(64),
});
const Accept = z.object({ type: z.literal('accept'), id: RequestId });
/** A dispatch handed back unstarted: `draining`, or `busy` (every slot taken, counting all relays: v3). */
const Reject = z.object({ type: z.literal('reject'), id: RequestId, reason: z.string().max(200) });
/** After a `busy` reject: the connector has a free slot again (v3). */
const Ready = z.object({ type: z.literal('ready') });
const Fail = z.object({
  type: z.literal('fail'),
  id: RequestId,
  code: z.enum(CONNECTOR_FAILURE_CODES),
  detail: z.string().max(500),
});
const Drain = z.object({ type: z.literal('drain') });
/** Configuration pull, every `configRefreshMs` (v3): the relay answers `config`. */
const Pull = z.object({ type: z.literal('pull') });

export const ConnectorMessage = z.discriminatedUnion('type', [Hello, Accept, Reject, Ready, Fail, Drain, Pull]);
export type ConnectorMessage = z.infer<typeof ConnectorMessage>;
export type HelloMessage = z.infer<typeof Hello>;

// relay → connector
const AppConfig = z.object({
  name: z.string(),
  internalUrl: z.string(),
  backendTimeoutMs: z.number().int().positive(),
});
export type PublishedAppConfig = z.infer<typeof AppConfig>;

const Welcome = z.object({
  type: z.literal('welcome'),
  v: z.number().int(),
  relayId: z.string(),
  /** Bearer for this connector's data-plane streams; binds them to this control channel. */
  dataToken: z.string(),
  heartbeat: z.object({ intervalMs: z.number().int().positive(), missed: z.number().int().positive() }),
  /** The group the service assigns this connector (v3): the relay decides, not the connector. */
  group: z.string(),
  apps: z.array(AppConfig),
  /** How the connector runs its side of WebSocket tunnels. */
  websocket: z.object({
    maxMessageBytes: z.number().int().positive(),
    keepaliveMs: z.number().int().min(0),
    highWaterBytes: z.number().int().positive(),
  }),
});
const Dispatch = z.object({
  type: z.literal('dispatch'),
  id: RequestId,
  app: z.string(),
  method: z.string(),
  path: z.string(),
  headers: RawHeaders,
  hasBody: z.boolean(),
  kind: z.enum(['http', 'ws']),
  /** Epoch ms after which the relay no longer honours this id. */
  deadline: z.number(),
});
const Cancel = z.object({ type: z.literal('cancel'), id: RequestId, reason: z.string() });
/** The answer to a configuration pull (v3): the connector's group now, and that group's apps. */
const Config = z.object({ type: z.literal('config'), group: z.string(), apps: z.array(AppConfig) });
const ErrorMessage = z.object({ type: z.literal('error'), code: z.enum(PROTOCOL_ERROR_CODES), detail: z.string() });

export const RelayMessage = z.discriminatedUnion('type', [Welcome, Config, Dispatch, Cancel, ErrorMessage]);
export type RelayMessage = z.infer<typeof RelayMessage>;
export type WelcomeMessage = z.infer<typeof Welcome>;
export type DispatchMessage = z.infer<typeof Dispatch>;

const KNOWN_CONNECTOR_TYPES = new Set(ConnectorMessage.options.map((o) => o.shape.type.value));
const KNOWN_RELAY_TYPES = new Set(RelayMessage.options.map((o) => o.shape.type.value));

function decode<T>(schema: z.ZodType<T>, known: ReadonlySet<string>, raw: string, hot: (value: Record<string, unknown>) => T | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ProtocolError('malformed_frame', 'frame is not valid JSON');
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !known.has(type)) {
    throw new ProtocolError('unknown_message', `unknown message type ${JSON.stringify(type)}`);
  }
  const checked = hot(value as Record<string, unknown>);
  if (checked) return checked;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError('malformed_frame', `${type}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

export function decodeConnectorMessage(raw: string): ConnectorMessage {
  return decode(ConnectorMessage, KNOWN_CONNECTOR_TYPES, raw, hotConnectorMessage);
}

export function decodeRelayMessage(raw: string): RelayMessage {
  return decode(RelayMessage, KNOWN_RELAY_TYPES, raw, hotRelayMessage);
}

export function encodeMessage(message: ConnectorMessage | RelayMessage): string {
  return JSON.stringify(message);
}

/**
 * Hand-written checks for the two messages sent once per request, `dispatch` and `accept`: the
 * profile of `npm run bench:http` put zod's parse among a connector's larger costs. Each check
 * accepts only what the zod schema accepts (a fuzz property holds them to it) and returns the same
 * object the schema would (unknown keys dropped); anything it does not accept goes on to zod, so a
 * bad message gets zod's error, word for word.
 */
export function hotRelayMessage(value: Record<string, unknown>): RelayMessage | undefined {
  return value.type === 'dispatch' ? dispatch(value) : undefined;
}

export function hotConnectorMessage(value: Record<string, unknown>): ConnectorMessage | undefined {
  if (value.type !== 'accept' || !isRequestId(value.id)) return undefined;
  return { type: 'accept', id: value.id };
}

function dispatch(value: Record<string, unknown>): DispatchMessage | undefined {
  const { id, app, method, path, headers, hasBody, kind, deadline } = value;
  if (!isRequestId(id) || typeof app !== 'string' || typeof method !== 'string' || typeof path !== 'string') return undefined;
  if (typeof hasBody !== 'boolean' || (kind !== 'http' && kind !== 'ws') || typeof deadline !== 'number' || !Number.isFinite(deadline)) return undefined;
  if (!Array.isArray(headers) || headers.length % 2 !== 0) return undefined;
  for (const header of headers) if (typeof header !== 'string') return undefined;
  return { type: 'dispatch', id, app, method, path, headers: headers as string[], hasBody, kind, deadline };
}

/** RequestId in messages.ts: a string of 1 to 64 characters. */
function isRequestId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= 64;
}
