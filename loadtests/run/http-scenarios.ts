import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { deterministicChunks, deterministicSha256 } from '../../sim/backend/deterministic-bytes.ts';
import type { Outcome } from '../drivers/open-model.ts';
import type { ExtraHeaders, ScenarioSpec } from '../profiles/profile.ts';
import { spreadingAgent } from './spread-agent.ts';

/** Where the load goes: the relay's public origin, and the Host header for each app. */
export interface LoadTarget {
  readonly origin: URL;
  /** Every relay instance's public origin, when the service has several: connections are spread over them. */
  readonly instances?: readonly URL[];
  hostOf(app: string): string;
  /** For an https:// origin: the CA to trust (the sim's relay CA with topology `tls: on`). */
  readonly ca?: string | undefined;
}

/**
 * The keep-alive agent a run shares across its HTTP scenarios: https with the target's CA when it
 * speaks TLS, its connections spread over the relay instances when there are several.
 */
export function loadAgent(target: LoadTarget, maxSockets: number): http.Agent {
  return spreadingAgent(target.instances ?? [target.origin], { maxSockets, ca: target.ca });
}

export type HttpScenario = Exclude<ScenarioSpec, { kind: 'ws' }>;

const CHUNK = 64 * 1024;
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The request function of an HTTP scenario. Each call sends one request and resolves with its
 * outcome; uploads and downloads are verified (byte count and sha256) and a mismatch counts as
 * `verify_failed`. Bodies stream; nothing is held whole.
 */
export function httpSender(scenario: HttpScenario, target: LoadTarget, agent: http.Agent): () => Promise<Outcome> {
  const host = target.hostOf(scenario.app);
  const extra = scenario.headers;
  const pick = (sizes: readonly number[]) => sizes[Math.floor(Math.random() * sizes.length)]!;
  switch (scenario.kind) {
    case 'get':
      return () => exchange(target, agent, { method: 'GET', path: scenario.path, host, extra }, undefined, drain);
    case 'post-stream':
      return () => {
        const size = pick(scenario.sizes);
        const body = Readable.from(deterministicChunks(size, CHUNK));
        return exchange(target, agent, { method: 'POST', path: '/upload', host, extra }, body, async (res) => {
          const text = await collectText(res);
          const answer = JSON.parse(text) as { bytes?: number; sha256?: string };
          const ok = answer.bytes === size && answer.sha256 === expectedSha(size);
          return { bytes: size, ...(ok ? {} : { errorCode: 'verify_failed' }) };
        });
      };
    case 'download':
      return () => {
        const size = pick(scenario.sizes);
        return exchange(target, agent, { method: 'GET', path: `/bytes/${size}`, host, extra }, undefined, async (res) => {
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

async function drain(res: http.IncomingMessage): Promise<Partial<Outcome>> {
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) bytes += chunk.length;
  return { bytes };
}

async function collectText(res: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.length > 64 * 1024) break;
  }
  return text;
}

/** One HTTP exchange; a 2xx answer is judged by `judge`, anything else by its status and code. */
function exchange(
  target: LoadTarget,
  agent: http.Agent,
  head: { method: string; path: string; host: string; extra?: ExtraHeaders | undefined },
  body: Readable | undefined,
  judge: (res: http.IncomingMessage) => Promise<Partial<Outcome>>,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const client = target.origin.protocol === 'https:' ? https : http;
    const req = client.request(
      {
        hostname: target.origin.hostname,
        port: target.origin.port,
        method: head.method,
        path: head.path,
        agent,
        headers: {
          ...Object.fromEntries(head.extra ?? []),
          host: head.host,
          ...(body ? { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' } : {}),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const relayError = res.headers['x-relay-error'];
        if (status >= 300) {
          res.resume();
          res.once('end', () => resolve({ status, errorCode: relayError ? String(relayError) : `http_${status}` }));
          return;
        }
        judge(res).then((verdict) => resolve({ status, ...verdict }), reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'client_timeout' })));
    req.once('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}
