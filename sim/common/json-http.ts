import type http from 'node:http';
import { SimError } from './sim-error.ts';

export class JsonBodyError extends SimError<'bad_body'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('bad_body', message, options);
  }
}

/** Reads a small JSON request body (control and admin calls), refusing more than `maxBytes`. */
export async function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new JsonBodyError(`body larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString());
  } catch (err) {
    throw new JsonBodyError(`the body must be JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}
