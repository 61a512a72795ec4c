import { Transform, type TransformCallback } from 'node:stream';
import { ProtocolError } from '../../protocol/errors.ts';

/** Statuses whose responses never carry a body, whatever Content-Length says (RFC 9110 §6.4.1). */
const BODILESS_STATUS = new Set([204, 304]);

/**
 * The number of body bytes a connector's response head promises the user, or undefined when it
 * names no length (the body then ends with the stream). Conflicting or malformed Content-Length
 * values are the connector's protocol violation: Node would write them as they are, and the
 * user's client would frame the response by one of them while we framed it by another.
 */
export function promisedBodyLength(rawHead: readonly string[], method: string | undefined, status: number): number | undefined {
  const values = new Set<string>();
  for (let i = 0; i < rawHead.length; i += 2) {
    if (rawHead[i]!.toLowerCase() !== 'content-length') continue;
    for (const part of rawHead[i + 1]!.split(',')) values.add(part.trim());
  }
  if (method === 'HEAD' || BODILESS_STATUS.has(status)) return 0;
  if (values.size === 0) return undefined;
  const [only] = values;
  if (values.size > 1 || !/^\d{1,15}$/.test(only!)) {
    throw new ProtocolError('malformed_frame', `the response head has an invalid Content-Length (${[...values].join(', ')})`);
  }
  return Number(only);
}

/**
 * Passes a connector's response body on to the user only within the length its head promised. A
 * longer body would put the extra bytes on the user's keep-alive connection as the start of a
 * "next" response (response splitting); a shorter one would leave the user waiting for bytes that
 * never come. Either way the stream fails, and the caller cuts the user's connection.
 */
export class PromisedLength extends Transform {
  readonly #promised: number;
  #seen = 0;

  constructor(promised: number) {
    super();
    this.#promised = promised;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#promised) {
      return done(new ProtocolError('malformed_frame', `the connector sent more than the ${this.#promised} body bytes its Content-Length promised`));
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#seen < this.#promised) {
      return done(
        new ProtocolError('malformed_frame', `the connector ended the body after ${this.#seen} of the ${this.#promised} bytes its Content-Length promised`),
      );
    }
    done();
  }
}

/** The inline fast path carries the whole body: it must be exactly the promised length. */
export function checkInlineBody(promised: number | undefined, body: Buffer): void {
  if (promised !== undefined && body.length !== promised) {
    throw new ProtocolError('malformed_frame', `an inline response of ${body.length} bytes promised ${promised} in its Content-Length`);
  }
}
