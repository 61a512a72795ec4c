import { z } from 'zod';
import { ProtocolError } from './errors.ts';

/**
 * Inline fast path for small responses (DESIGN 4, as Azure Relay does up to 64 kB): the whole
 * response travels as one binary control frame instead of its own data-plane stream. The relay
 * renders it exactly as it would a streamed one.
 *
 * Frame: [u32 big-endian length of the JSON head][JSON head][body bytes]
 */
export const INLINE_BODY_LIMIT = 64 * 1024;

export const InlineHead = z.object({
  type: z.literal('response'),
  id: z.string().min(1).max(64),
  status: z.number().int().min(200).max(599),
  headers: z.array(z.string()).refine((list) => list.length % 2 === 0, 'must hold name/value pairs'),
});
export type InlineHead = z.infer<typeof InlineHead>;

export function encodeInlineResponse(head: InlineHead, body: readonly Buffer[]): Buffer[] {
  const json = Buffer.from(JSON.stringify(head));
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(json.length, 0);
  return [prefix, json, ...body];
}

export function decodeInlineResponse(frame: Buffer): { head: InlineHead; body: Buffer } {
  if (frame.length < 4) throw new ProtocolError('malformed_frame', 'binary frame shorter than its length prefix');
  const headLength = frame.readUInt32BE(0);
  if (headLength > frame.length - 4) throw new ProtocolError('malformed_frame', 'binary frame head length exceeds the frame');
  let value: unknown;
  try {
    value = JSON.parse(frame.subarray(4, 4 + headLength).toString());
  } catch {
    throw new ProtocolError('malformed_frame', 'binary frame head is not valid JSON');
  }
  const head = hotInlineHead(value) ?? schemaChecked(value);
  const body = frame.subarray(4 + headLength);
  if (body.length > INLINE_BODY_LIMIT) throw new ProtocolError('malformed_frame', `inline body of ${body.length} bytes exceeds ${INLINE_BODY_LIMIT}`);
  return { head, body };
}

function schemaChecked(value: unknown): InlineHead {
  const parsed = InlineHead.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError('malformed_frame', `inline response: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/**
 * The head checked by hand (one per request, like `dispatch` in messages.ts): accepts only what
 * InlineHead accepts and returns what it would; anything else goes to zod for its error.
 */
export function hotInlineHead(value: unknown): InlineHead | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, id, status, headers } = value as Record<string, unknown>;
  if (type !== 'response' || typeof id !== 'string' || id.length < 1 || id.length > 64) return undefined;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return undefined;
  if (!Array.isArray(headers) || headers.length % 2 !== 0 || !headers.every((h) => typeof h === 'string')) return undefined;
  return { type, id, status, headers: headers as string[] };
}
