import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { deterministicChunks, deterministicSha256 } from '../../sim/backend/deterministic-bytes.ts';
import type { Outcome } from '../drivers/open-model.ts';
import type { ExtraHeaders, ScenarioSpec } from '../profiles/profile.ts';
import { getSender } from './get-exchange.ts';
import { transportErrorCode, type LoadClient, type LoadTarget } from './load-client.ts';

export { LoadClient, type LoadTarget } from './load-client.ts';

export type HttpScenario = Exclude<ScenarioSpec, { kind: 'ws' }>;

type ResponseBody = Dispatcher.ResponseData['body'];

const CHUNK = 64 * 1024;

/**
 * The request function of an HTTP scenario. Each call sends one request and resolves with its
 * outcome, a transport failure included (status 0 and its code); uploads and downloads are
 * verified (byte count and sha256) and a mismatch counts as `verify_failed`. Bodies stream;
 * nothing is held whole.
 */
export function httpSender(scenario: HttpScenario, target: LoadTarget, client: LoadClient): () => Promise<Outcome> {
  const host = target.hostOf(scenario.app);
  const pool = client.for(host);
  const extra = scenario.headers;
  const pick = (sizes: readonly number[]) => sizes[Math.floor(Math.random() * sizes.length)]!;
  switch (scenario.kind) {
    case 'get':
      return getSender(pool, scenario.path, { ...Object.fromEntries(extra ?? []), host });
    case 'post-stream':
      return () => {
        const size = pick(scenario.sizes);
        const body = Readable.from(deterministicChunks(size, CHUNK));
        return exchange(pool, { method: 'POST', path: '/upload', host, extra }, body, async (res) => {
          const text = await collectText(res);
          const answer = JSON.parse(text) as { bytes?: number; sha256?: string };
          const ok = answer.bytes === size && answer.sha256 === expectedSha(size);
          return { bytes: size, ...(ok ? {} : { errorCode: 'verify_failed' }) };
        });
      };
    case 'download':
      return () => {
        const size = pick(scenario.sizes);
        return exchange(pool, { method: 'GET', path: `/bytes/${size}`, host, extra }, undefined, async (res) => {
          const hash = createHash('sha256');
          let bytes = 0;
          for await (const chunk of res as AsyncIterable<Buffer>) {
            hash.update(chunk);
            bytes += chunk.length;
          }
          const ok = bytes === size && hash.digest('hex') === expectedSha(size);
          return { bytes, ...(ok ? {} : { errorCode: 'verify_failed' }) };
        });
      };
  }
}

const shaCache = new Map<number, string>();
function expectedSha(size: number): string {
  let sha = shaCache.get(size);
  if (!sha) shaCache.set(size, (sha = deterministicSha256(size)));
  return sha;
}

async function collectText(res: ResponseBody): Promise<string> {
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.length > 64 * 1024) break;
  }
  return text;
}

/** One HTTP exchange; a 2xx answer is judged by `judge`, anything else by its status and code. */
async function exchange(
  pool: Dispatcher,
  head: { method: 'GET' | 'POST'; path: string; host: string; extra?: ExtraHeaders | undefined },
  body: Readable | undefined,
  judge: (res: ResponseBody) => Promise<Partial<Outcome>>,
): Promise<Outcome> {
  let res: Dispatcher.ResponseData | undefined;
  try {
    res = await pool.request({
      method: head.method,
      path: head.path,
      headers: {
        ...Object.fromEntries(head.extra ?? []),
        host: head.host,
        ...(body ? { 'content-type': 'application/octet-stream' } : {}),
      },
      // No content-length: undici sends a stream chunked, as a browser's streamed upload.
      ...(body ? { body } : {}),
    });
    const status = res.statusCode;
    if (status >= 300) {
      await res.body.dump();
      const relayError = res.headers['x-relay-error'];
      return { status, errorCode: relayError ? String(relayError) : `http_${status}` };
    }
    return { status, ...(await judge(res.body)) };
  } catch (err) {
    body?.destroy();
    res?.body.destroy();
    return { status: 0, errorCode: transportErrorCode(err) };
  }
}
