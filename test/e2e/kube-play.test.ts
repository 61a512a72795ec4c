import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { succeeds } from '../helpers/processes.ts';
import { promisify } from 'node:util';
import { deterministicSha256 } from '../../sim/backend/deterministic-bytes.ts';
import { PLAY_HOST_PORT } from '../../deploy/src/podman-play.ts';
import { json, request } from '../helpers/http-client.ts';

/**
 * deploy/manifests/podman-play.yaml under `podman kube play`: the relay, a connector and the
 * backend from the generated manifest, in the image the container-stack test builds
 * (localhost/relay-sim:latest; that test runs first in `npm test`), serving GETs through the relay.
 */
const MANIFEST = fileURLToPath(new URL('../../deploy/manifests/podman-play.yaml', import.meta.url));
const run = promisify(execFile);
const skip = !succeeds('podman', ['--version'])
  ? 'podman is not installed (apt-get install podman catatonit; .ci/run installs them)'
  : !succeeds('podman', ['image', 'exists', 'localhost/relay-sim:latest'])
    ? 'no localhost/relay-sim:latest image: build it with npm run stack -- up (the container-stack test, which runs first in npm test, builds it)'
    : false;
const origin = `http://127.0.0.1:${PLAY_HOST_PORT}`;
const host = `echo.localhost:${PLAY_HOST_PORT}`;

before(async () => {
  if (skip) return;
  await run('podman', ['kube', 'play', '--down', MANIFEST]).catch(() => undefined); // left over from an earlier run
  await run('podman', ['kube', 'play', MANIFEST], { timeout: 120_000 });
});
after(async () => {
  if (skip) return;
  await run('podman', ['kube', 'play', '--down', MANIFEST]);
  const left = execFileSync('podman', ['ps', '-a', '--filter', 'name=relay-sim-play', '--format', '{{.Names}}']).toString().trim();
  assert.equal(left, '', 'no container left behind');
});

test('podman kube play of the generated relay, connector and backend serves GETs through the relay, bodies intact', { skip }, async () => {
  // The connector registers a second or so after the relay is up: poll (bounded) until the app answers.
  let status = 0;
  for (let i = 0; i < 60 && status !== 200; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    status = await request(origin, host, { path: '/echo', timeoutMs: 5000 }).then(
      (r) => r.status,
      () => 0,
    );
  }
  assert.equal(status, 200, 'GET /echo through the relay');
  const res = await request(origin, host, { path: '/bytes/200000' });
  assert.equal(res.status, 200);
  const body = res.body;
  assert.equal(body.length, 200_000);
  assert.equal(createHash('sha256').update(body).digest('hex'), deterministicSha256(200_000));
  const headers = json<Record<string, string>>(await request(origin, host, { path: '/headers' }));
  assert.equal(headers['x-forwarded-host'], host, 'the relay routed on the app host and said so');
});
