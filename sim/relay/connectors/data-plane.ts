import http2, { type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { asViolation, ProtocolError } from '../../protocol/errors.ts';
import { DATA_HEADERS, parseDataPlanePath, SESSION_BIND_PATH } from '../../protocol/data-plane-paths.ts';
import type { ChannelDeps } from './channel-deps.ts';
import type { ControlChannel } from './control-channel.ts';

const { HTTP2_HEADER_PATH, HTTP2_HEADER_METHOD } = http2.constants;

/** HTTP status for each protocol error answered on a data-plane stream. */
const STREAM_STATUS: Record<ProtocolError['code'], number> = {
  malformed_frame: 400,
  unknown_message: 400,
  unsupported_version: 400,
  unexpected_message: 409,
  unknown_request: 404,
  not_your_request: 403,
  unauthorized: 401,
};

/**
 * Handles one HTTP/2 stream from a connector: pulling a request body (`GET …/body`) or pushing a
 * response (`POST …/response`). A stream that names a request its connector does not hold is
 * refused, and that connector's control channel is closed.
 */
export function handleDataPlaneStream(
  ctx: Pick<ChannelDeps<ControlChannel>, 'channels' | 'metrics' | 'work'>,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): void {
  const token = headers[DATA_HEADERS.token];
  const channel = ctx.channels.byToken(typeof token === 'string' ? token : undefined);
  try {
    if (!channel) throw new ProtocolError('unauthorized', 'missing or unknown data-plane token');
    if (!channel.adoptSession(stream.session as ServerHttp2Session)) {
      // Someone else's token on this session: the session is refused, the token's owner is not.
      const violation = new ProtocolError('unauthorized', `this data-plane session's certificate is not ${channel.connectorId}'s`);
      ctx.metrics.protocolErrors.inc({ code: violation.code });
      refuse(stream, violation);
      stream.session?.close();
      return;
    }
    if (headers[HTTP2_HEADER_PATH] === SESSION_BIND_PATH) {
      stream.respond({ ':status': 204 }, { endStream: true });
      return;
    }
    const target = parseDataPlanePath(String(headers[HTTP2_HEADER_PATH]));
    if (!target) throw new ProtocolError('unknown_message', `no data-plane route ${String(headers[HTTP2_HEADER_PATH])}`);
    const request = ctx.work.owned(target.id, channel);
    // The request ended (user gone, deadline) while the connector was still working on it.
    if (!request) return stopLateStream(stream);
    const method = headers[HTTP2_HEADER_METHOD];
    if (target.action === 'body' && method === 'GET') {
      request.attachBody(stream);
    } else if (target.action === 'response' && method === 'POST') {
      request.respond(stream, parseStatus(headers), parseHead(headers));
    } else if (target.action === 'tunnel' && method === 'POST') {
      request.openTunnel(stream, parseHead(headers));
    } else {
      throw new ProtocolError('unknown_message', `${String(method)} ${target.action} is not a data-plane operation`);
    }
  } catch (err) {
    const violation = asViolation(err);
    refuse(stream, violation);
    if (channel) channel.violation(violation);
    else ctx.metrics.protocolErrors.inc({ code: violation.code });
  }
}

function stopLateStream(stream: ServerHttp2Stream): void {
  stream.respond({ ':status': 410 });
  stream.end();
}

function refuse(stream: ServerHttp2Stream, error: ProtocolError): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': STREAM_STATUS[error.code], 'content-type': 'application/json' });
  stream.end(JSON.stringify({ code: error.code, error: error.message }));
}

function parseStatus(headers: IncomingHttpHeaders): number {
  const status = Number(headers[DATA_HEADERS.status]);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new ProtocolError('malformed_frame', `${DATA_HEADERS.status} must be an HTTP status 200-599`);
  }
  return status;
}

function parseHead(headers: IncomingHttpHeaders): string[] {
  const raw = headers[DATA_HEADERS.head];
  if (raw === undefined) return [];
  try {
    const list: unknown = JSON.parse(String(raw));
    if (Array.isArray(list) && list.length % 2 === 0 && list.every((v) => typeof v === 'string')) return list;
  } catch {
    // fall through to the protocol error below
  }
  throw new ProtocolError('malformed_frame', `${DATA_HEADERS.head} must be a JSON list of header name/value pairs`);
}
