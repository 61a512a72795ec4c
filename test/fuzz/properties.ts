import fc from 'fast-check';
import { parseFaultRequest, FaultRequestError } from '../../sim/cluster/fault-request.ts';
import { parseTopology, TopologyError } from '../../sim/cluster/topology.ts';
import { CsrError, parseCsr } from '../../sim/pki/certificate-authority.ts';
import { ProtocolError } from '../../sim/protocol/errors.ts';
import { decodeInlineResponse, hotInlineHead, InlineHead } from '../../sim/protocol/inline-response.ts';
import { isDeepStrictEqual } from 'node:util';
import {
  ConnectorMessage,
  decodeConnectorMessage,
  decodeRelayMessage,
  hotConnectorMessage,
  hotRelayMessage,
  RelayMessage,
} from '../../sim/protocol/messages.ts';
import { TunnelFrameDecoder, TunnelFrameError } from '../../sim/protocol/tunnel-frames.ts';
import { parseRequestTarget } from '../../sim/common/request-guard.ts';
import { promisedBodyLength } from '../../sim/relay/ingress/response-framing.ts';

/** Runs `fn`; an error that is not one of the `expected` typed errors is a finding. */
function onlyTyped(fn: () => unknown, ...expected: (abstract new (...args: never[]) => Error)[]): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (expected.some((type) => err instanceof type)) return true;
    throw err;
  }
}

const messageTypes = fc.constantFrom(
  'hello',
  'accept',
  'reject',
  'fail',
  'drain',
  'welcome',
  'dispatch',
  'cancel',
  'error',
  'explode',
  '',
  'constructor',
  '__proto__',
);
/** Near-valid control messages: a known type with random fields, which reach the schema checks. */
const nearMessage = fc
  .record({ type: messageTypes }, { requiredKeys: ['type'] })
  .chain((base) =>
    fc
      .dictionary(
        fc.constantFrom('v', 'id', 'connectorId', 'group', 'slots', 'instance', 'code', 'detail', 'headers', 'hasBody', 'kind', 'deadline', 'apps'),
        fc.anything(),
      )
      .map((extra) => ({ ...extra, ...base })),
  );

/** A field that is often well-typed for a dispatch or accept, often not. */
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: fc.anything(), weight: 1 });
/** Request ids around both ends of the allowed length. */
const hotMessageId = maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.string({ minLength: 62, maxLength: 66 })));
/** Dispatches and accepts mostly valid, with wrong fields, odd ids, NaN-like numbers and extra keys. */
const hotMessage = fc.record(
  {
    type: fc.constantFrom('dispatch', 'accept'),
    id: hotMessageId,
    app: maybe(fc.string()),
    method: maybe(fc.string()),
    path: maybe(fc.string()),
    headers: maybe(fc.array(fc.string(), { maxLength: 5 })),
    hasBody: maybe(fc.boolean()),
    kind: maybe(fc.constantFrom('http', 'ws', 'tcp')),
    deadline: maybe(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity))),
    extra: fc.anything(),
  },
  { requiredKeys: ['type'] },
);

/** Request targets as hostile clients send them (`curl --path-as-is`): `//`, `//@`, raw bytes. */
const requestTarget = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom('/', '//', '///', '//@', '/_relay/', '*', 'http://', '/%'), fc.string()).map(([head, tail]) => head + tail),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => `/${Buffer.from(bytes).toString('latin1')}`),
);

/** Every decoder and parser at the system's edges, as fast-check properties: no crash, only clear errors. */
export const PROPERTIES = {
  'control frames from connectors': fc.property(
    fc.oneof(
      fc.string(),
      fc.json(),
      nearMessage.map((m) => JSON.stringify(m)),
    ),
    (raw) => onlyTyped(() => decodeConnectorMessage(raw), ProtocolError),
  ),
  'control frames from relays': fc.property(
    fc.oneof(
      fc.string(),
      fc.json(),
      nearMessage.map((m) => JSON.stringify(m)),
    ),
    (raw) => onlyTyped(() => decodeRelayMessage(raw), ProtocolError),
  ),
  'hand-checked dispatch and accept agree with the schema': fc.property(hotMessage, (value) => {
    const relay = hotRelayMessage(value);
    const connector = hotConnectorMessage(value);
    const agrees = (hot: unknown, parsed: { success: boolean; data?: unknown }) => hot === undefined || (parsed.success && isDeepStrictEqual(hot, parsed.data));
    return agrees(relay, RelayMessage.safeParse(value)) && agrees(connector, ConnectorMessage.safeParse(value));
  }),
  'hand-checked inline response heads agree with the schema': fc.property(
    fc.record(
      {
        type: maybe(fc.constantFrom('response', 'dispatch')),
        id: hotMessageId,
        status: maybe(fc.oneof(fc.integer({ min: 150, max: 650 }), fc.double(), fc.constantFrom(Number.NaN, Infinity))),
        headers: maybe(fc.array(fc.string(), { maxLength: 5 })),
        extra: fc.anything(),
      },
      { requiredKeys: ['type'] },
    ),
    (value) => {
      const hot = hotInlineHead(value);
      const parsed = InlineHead.safeParse(value);
      return hot === undefined || (parsed.success && isDeepStrictEqual(hot, parsed.data));
    },
  ),
  'inline response frames': fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => onlyTyped(() => decodeInlineResponse(Buffer.from(bytes)), ProtocolError)),
  'tunnel frame streams': fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), (chunks) =>
    onlyTyped(() => {
      const decoder = new TunnelFrameDecoder(1024);
      for (const chunk of chunks) decoder.push(Buffer.from(chunk), () => undefined);
    }, TunnelFrameError),
  ),
  'topology files': fc.property(
    fc.oneof(fc.anything(), fc.record({ groups: fc.anything(), apps: fc.anything(), dispatch: fc.anything(), faults: fc.anything() })),
    (value) => onlyTyped(() => parseTopology(value, 'fuzz'), TopologyError),
  ),
  'connector CSRs': fc.property(
    fc.oneof(
      fc.string(),
      fc
        .uint8Array({ maxLength: 600 })
        .map((bytes) => `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(bytes).toString('base64')}\n-----END CERTIFICATE REQUEST-----`),
    ),
    (pem) => onlyTyped(() => parseCsr(pem), CsrError),
  ),
  'request targets': fc.property(requestTarget, (target) => {
    const url = parseRequestTarget(target);
    // Accepted targets keep exactly the path that was sent (up to URL escaping), on no other host.
    return url === undefined || url.host === 'target.invalid';
  }),
  'connector response heads': fc.property(
    fc.record({
      head: fc
        .array(fc.oneof(fc.string(), fc.constantFrom('content-length', 'Content-Length', '5', '-1', '1e3', '5, 5', '5, 6', ' 007 ')), { maxLength: 12 })
        .map((list) => (list.length % 2 ? list.slice(1) : list)),
      method: fc.constantFrom('GET', 'HEAD', 'POST', undefined),
      status: fc.integer({ min: 200, max: 599 }),
    }),
    ({ head, method, status }) => onlyTyped(() => promisedBodyLength(head, method, status), ProtocolError),
  ),
  'fault requests': fc.property(fc.oneof(fc.anything(), fc.record({ action: fc.string(), target: fc.string(), params: fc.anything() })), (value) =>
    onlyTyped(() => parseFaultRequest(value), FaultRequestError),
  ),
} as const;
