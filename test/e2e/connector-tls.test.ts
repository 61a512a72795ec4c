import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { CertificateAuthority } from '../../sim/pki/certificate-authority.ts';
import { createClientCsr } from '../../sim/pki/client-csr.ts';
import { REGISTRATION_PATHS } from '../../sim/protocol/data-plane-paths.ts';
import { RelayDialer } from '../../sim/connector/relay-dialer.ts';
import { register } from '../../sim/connector/registration.ts';
import { json, request } from '../helpers/http-client.ts';
import { getLoad } from '../helpers/load.ts';
import { metricSum, scrape, waitFor } from '../helpers/prom-text.ts';
import { startSim } from '../helpers/sim.ts';
import { ProtocolPeer } from '../helpers/protocol-peer.ts';
import { tryControlUpgrade, type ClientCertificate } from '../helpers/tls-peer.ts';

// Certificates renew every 3 s here (180 days in the real service), so renewals run all through
// this file, under whatever traffic the tests send.
const sim = await startSim({
  tls: 'on',
  certificates: { lifetime: '1h', renewAfter: '3s' },
  groups: [{ name: 'default', connectors: 2 }],
  users: ['user1'],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'secure', group: 'default', preAuth: 'relay', assignedUsers: ['user1'] },
  ],
});
const pki = sim.cluster.pki!;
const ca = pki.ca.certificatePem;
const relay = sim.view.relays[0]!;
const echo = new URL(sim.view.apps.find((a) => a.name === 'echo')!.externalUrl).host;
const relayMetric = async (name: string, labels: Record<string, string> = {}) => metricSum(await scrape(relay.metricsUrl), name, labels);

/** A client certificate for `connectorId` signed by `authority`, valid from `notBefore` for `lifetimeSeconds`. */
async function certificateFrom(authority: CertificateAuthority, connectorId: string, lifetimeSeconds = 3600, notBefore?: Date): Promise<ClientCertificate> {
  const { csrPem, keyPem } = await createClientCsr(connectorId);
  const issued = await authority.signClientCsr(csrPem, lifetimeSeconds, notBefore);
  return { certificatePem: issued.certificatePem, keyPem };
}

async function adminPost(path: string, body: unknown, token = pki.adminToken) {
  return request(relay.connectorUrl, new URL(relay.connectorUrl).host, {
    method: 'POST',
    path,
    ca,
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
}

test('registered connectors serve users over HTTPS through mutual TLS: GETs and a streamed 8 MiB upload', async () => {
  assert.equal(await relayMetric('relay_connectors', { group: 'default', state: 'active' }), 2);
  assert.ok((await relayMetric('relay_connector_certificates_issued_total', { kind: 'register' })) >= 2);
  const res = await request(sim.publicUrl, echo, { path: '/headers', ca });
  assert.equal(res.status, 200);
  assert.equal(json(res)['x-forwarded-proto'], 'https', 'the backend learns that the user came over HTTPS');
  const body = Buffer.alloc(8 << 20, 7);
  const upload = await request(sim.publicUrl, echo, { method: 'POST', path: '/upload', body, ca });
  assert.equal(upload.status, 200);
  assert.deepEqual(json(upload), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  // A client that does not trust the relay CA cannot talk to the relay at all.
  await assert.rejects(request(sim.publicUrl, echo, { path: '/' }), /self-signed|unable to verify|certificate/i);
});

test('a forged client certificate (signed by another CA) is refused at the handshake', async () => {
  const before = await relayMetric('relay_connector_handshakes_refused_total', { reason: 'unknown_ca' });
  const mallory = await CertificateAuthority.create('mallory CA');
  const forged = await certificateFrom(mallory, 'default-1');
  const outcome = await tryControlUpgrade(relay.connectorUrl, ca, forged);
  assert.deepEqual(outcome, { cut: true }, 'the relay cut the connection before any HTTP byte');
  assert.equal(await relayMetric('relay_connector_handshakes_refused_total', { reason: 'unknown_ca' }), before + 1);
  // The genuine connectors are untouched.
  assert.equal(await relayMetric('relay_connectors', { group: 'default', state: 'active' }), 2);
});

test('an expired certificate from the right CA is refused at the handshake', async () => {
  const before = await relayMetric('relay_connector_handshakes_refused_total', { reason: 'expired' });
  const expired = await certificateFrom(pki.ca, 'default-1', 3600, new Date(Date.now() - 2 * 3600_000));
  assert.deepEqual(await tryControlUpgrade(relay.connectorUrl, ca, expired), { cut: true });
  assert.equal(await relayMetric('relay_connector_handshakes_refused_total', { reason: 'expired' }), before + 1);
});

test('an unregistered connector gets no control channel; registration needs the administrator token', async () => {
  const refusedBefore = await relayMetric('relay_connector_handshakes_refused_total', { reason: 'no_certificate' });
  const anonymous = await tryControlUpgrade(relay.connectorUrl, ca);
  assert.equal(anonymous.cut, false);
  assert.equal(anonymous.cut === false && anonymous.status, 401);
  if (!anonymous.cut) anonymous.socket.destroy();
  // Nor a data plane: an HTTP/2 connection without a certificate is cut before its first stream.
  const session = http2.connect(relay.connectorUrl, { ca });
  session.on('error', () => undefined);
  const stream = session.request({ ':path': '/connector/v1/requests/x/body' });
  stream.on('error', () => undefined);
  const outcome = await new Promise<string>((resolve) => {
    stream.once('response', () => resolve('answered'));
    stream.once('close', () => resolve('cut')); // after 'error' when there is one
    setTimeout(() => resolve('no answer within 5 s'), 5000).unref();
  });
  session.destroy();
  assert.equal(outcome, 'cut', 'the data-plane stream was cut, not served');
  assert.equal(await relayMetric('relay_connector_handshakes_refused_total', { reason: 'no_certificate' }), refusedBefore + 2);
  const { csrPem } = await createClientCsr('intruder');
  const refused = await adminPost(REGISTRATION_PATHS.register, { csr: csrPem }, 'not-the-admin-token-at-all');
  assert.equal(refused.status, 401);
  const garbage = await adminPost(REGISTRATION_PATHS.register, { csr: 'not a csr' });
  assert.equal(garbage.status, 400);
  assert.match(json<{ error: string }>(garbage).error, /PKCS#10/);
});

test('certificate renewal under load loses no request, and every old link drains before it closes', async () => {
  const renewedBefore = await relayMetric('relay_connector_certificates_issued_total', { kind: 'renew' });
  const failoversBefore = await relayMetric('relay_failovers_total');
  const { runner, agent } = getLoad(sim, 'echo', '/delay/20', 150, 10_000);
  const report = await runner.run();
  agent.destroy();
  const renewed = (await relayMetric('relay_connector_certificates_issued_total', { kind: 'renew' })) - renewedBefore;
  console.log(`renewal under load: ${report.sent} sent, ${report.errors} failed, ${renewed} renewals, p99 ${report.latencyMs.p99} ms`);
  assert.equal(report.errors, 0, `client errors: ${JSON.stringify(report.byErrorCode)}`);
  assert.ok(report.sent >= 1400, `sent ${report.sent}`);
  assert.ok(renewed >= 4, `both connectors renewed at least twice in 10 s (renewAfter 3 s); saw ${renewed}`);
  assert.equal(await relayMetric('relay_failovers_total'), failoversBefore, 'no link died: each was drained and closed');
  // Old links close once drained: the relay holds one channel per connector again, none draining.
  await waitFor(
    async () => [await relayMetric('relay_connectors', { state: 'active' }), await relayMetric('relay_connectors', { state: 'draining' })],
    ([active, draining]) => active === 2 && draining === 0,
    5000,
    'one active channel per connector',
  );
  for (const connector of sim.view.connectors) {
    const samples = await scrape(connector.metricsUrl);
    assert.ok(metricSum(samples, 'connector_certificate_requests_total', { kind: 'renew', outcome: 'ok' }) >= 2);
    assert.equal(metricSum(samples, 'connector_certificate_requests_total', { kind: 'renew', outcome: 'error' }), 0);
  }
});

test('session cookies are Secure (and HttpOnly) when the relay speaks HTTPS', async () => {
  const secure = new URL(sim.view.apps.find((a) => a.name === 'secure')!.externalUrl).host;
  const tokenRes = await request(sim.publicUrl, secure, {
    method: 'POST',
    path: '/_relay/sts/token',
    body: JSON.stringify({ user: 'user1', app: 'secure' }),
    ca,
  });
  const { token } = json<{ token: string }>(tokenRes);
  const signedIn = await request(sim.publicUrl, secure, { path: '/headers', headers: { authorization: `Bearer ${token}` }, ca });
  assert.equal(signedIn.status, 200);
  const cookie = String(signedIn.headers['set-cookie']);
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; Secure/);
  const withCookie = await request(sim.publicUrl, secure, { path: '/headers', headers: { cookie: cookie.split(';')[0]! }, ca });
  assert.equal(withCookie.status, 200);
  assert.equal(json(withCookie)['x-relay-user'], 'user1');
});

test("a certificate proves one connector: hello must name it, and its data token is refused on another connector's session", async () => {
  const dialer = new RelayDialer(relay.connectorUrl, { caCertificatePem: ca, timeoutMs: 5000 });
  const [peerA, peerB] = await Promise.all([register(dialer, 'peer-a', pki.adminToken), register(dialer, 'peer-b', pki.adminToken)]);
  const unauthorized = () => relayMetric('relay_protocol_errors_total', { code: 'unauthorized' });
  const before = await unauthorized();
  // Certificate peer-a, hello as someone else: a violation, no welcome.
  await assert.rejects(
    ProtocolPeer.register(relay.connectorUrl, sim.cluster.connectorToken, 'default-1', 'default', 10, { ca, control: peerA }, 1000),
    /no matching relay message/,
  );
  assert.equal(await unauthorized(), before + 1);
  // Certificate peer-a on the control channel, peer-b on the data plane with peer-a's token.
  const peer = await ProtocolPeer.register(relay.connectorUrl, sim.cluster.connectorToken, 'peer-a', 'default', 1, { ca, control: peerA, data: peerB });
  const stolen = await peer.stream('/connector/v1/requests/x/body', 'GET');
  assert.equal(stolen.status, 401);
  assert.match(stolen.body, /not peer-a's/);
  assert.equal(await unauthorized(), before + 2);
  const stillOpen = await Promise.race([peer.closed.then(() => false), new Promise((r) => setTimeout(() => r(true), 300))]);
  assert.ok(stillOpen, "the token's owner keeps its control channel");
  peer.close();
});

test('a revoked certificate is refused at the next handshake, and revoking a live connector cuts it', async () => {
  // A certificate from the registration API, obtained with the connector's own client code.
  const dialer = new RelayDialer(relay.connectorUrl, { caCertificatePem: ca, timeoutMs: 5000 });
  const issued = await register(dialer, 'spare-1', pki.adminToken);
  const live = await tryControlUpgrade(relay.connectorUrl, ca, issued);
  assert.equal(live.cut === false && live.status, 101, 'the fresh certificate is accepted');
  const closed = new Promise<string>((resolve) => {
    if (!live.cut) live.socket.once('close', () => resolve('closed'));
    setTimeout(() => resolve('still open after 5 s'), 5000).unref();
  });
  const revoke = await adminPost(REGISTRATION_PATHS.revoke, { serial: issued.serial });
  assert.equal(revoke.status, 200);
  assert.equal(await closed, 'closed', 'the live connection that authenticated with it is cut too');
  const before = await relayMetric('relay_connector_handshakes_refused_total', { reason: 'revoked' });
  assert.deepEqual(await tryControlUpgrade(relay.connectorUrl, ca, issued), { cut: true });
  assert.equal(await relayMetric('relay_connector_handshakes_refused_total', { reason: 'revoked' }), before + 1);

  // Revoking connector default-2 (every certificate it got) takes it out; default-1 carries on.
  const victim = sim.view.connectors.find((c) => c.id === 'default-2')!;
  assert.equal((await adminPost(REGISTRATION_PATHS.revoke, { connectorId: 'default-2' })).status, 200);
  await waitFor(
    () => relayMetric('relay_connectors', { group: 'default', state: 'active' }),
    (n) => n === 1,
    10_000,
    'default-2 to be cut',
  );
  const readyz = await waitFor(
    async () => {
      const res = await fetch(victim.metricsUrl.replace('/metrics', '/readyz'));
      return { status: res.status, body: await res.text() };
    },
    (r) => r.status === 503 && /certificate was refused/.test(r.body),
    10_000,
    'default-2 to report its refused certificate',
  );
  assert.match(readyz.body, /register again/);
  for (let i = 0; i < 20; i++) assert.equal((await request(sim.publicUrl, echo, { path: '/', ca })).status, 200);
});
