import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  path?: string;
  headers?: http.OutgoingHttpHeaders | string[];
  body?: Buffer | string | Readable;
  agent?: http.Agent;
  timeoutMs?: number;
  /** For an https:// origin: the CA to trust (the sim's relay CA with `tls: on`). */
  ca?: string;
}

/** A request to `origin` (the relay's public URL) for `host`; the whole body is collected. */
export function request(origin: string, host: string, options: RequestOptions = {}): Promise<SimpleResponse> {
  const url = new URL(options.path ?? '/', origin);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers = Array.isArray(options.headers) ? [...options.headers, 'host', host] : { host, ...options.headers };
    const req = client.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        headers,
        agent: options.agent,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`request to ${host}${url.pathname} timed out`)));
    req.on('error', reject);
    const body = options.body;
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

export function json<T = Record<string, unknown>>(res: SimpleResponse): T {
  return JSON.parse(res.body.toString()) as T;
}
