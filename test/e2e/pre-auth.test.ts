import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json, request } from '../helpers/http-client.ts';
import { startSim } from '../helpers/sim.ts';
import { once } from 'node:events';
import { closed, openWs, refusedUpgrade } from '../helpers/ws-client.ts';

const sim = await startSim({
  groups: [{ name: 'default', connectors: 1 }],
  users: ['user1', 'user2'],
  apps: [
    { name: 'echo', group: 'default' },
    { name: 'secure', group: 'default', preAuth: 'relay', assignedUsers: ['user1'] },
  ],
});
const hostOf = (app: string) => new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;
const secure = hostOf('secure');

async function token(user: string, app = 'secure'): Promise<string> {
  const res = await request(sim.publicUrl, secure, {
    method: 'POST',
    path: '/_relay/sts/token',
    body: JSON.stringify({ user, app }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200, res.body.toString());
  return json<{ token: string }>(res).token;
}

test('the token service signs ES256 JWTs for known users and refuses unknown ones', async () => {
  const jwt = await token('user1');
  const [header, payload] = jwt
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  assert.equal(header!['alg'], 'ES256');
  assert.equal(payload!['sub'], 'user1');
  assert.equal(payload!['aud'], 'secure');
  assert.ok(Number(payload!['exp']) > Date.now() / 1000);
  const unknown = await request(sim.publicUrl, secure, { method: 'POST', path: '/_relay/sts/token', body: JSON.stringify({ user: 'mallory', app: 'secure' }) });
  assert.equal(unknown.status, 400);
});

test('without a session: browsers are redirected to sign in, API clients get 401 auth_required', async () => {
  const browser = await request(sim.publicUrl, secure, { path: '/headers', headers: { accept: 'text/html' } });
  assert.equal(browser.status, 302);
  assert.match(String(browser.headers.location), /^\/_relay\/sts\/authorize\?app=secure&return=/);
  const api = await request(sim.publicUrl, secure, { path: '/headers', headers: { accept: 'application/json' } });
  assert.equal(api.status, 401);
  assert.equal(api.headers['x-relay-error'], 'auth_required');
});

test('a bearer token of an assigned user opens an encrypted session; the cookie never reaches the backend', async () => {
  const res = await request(sim.publicUrl, secure, { path: '/headers', headers: { authorization: `Bearer ${await token('user1')}`, cookie: 'app_pref=dark' } });
  assert.equal(res.status, 200);
  const setCookie = String(res.headers['set-cookie']);
  assert.match(setCookie, /^relay_session=[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  const seen = json<Record<string, string>>(res);
  assert.equal(seen['x-relay-user'], 'user1');
  assert.equal(seen['authorization'], undefined, 'the relay token stays at the relay');
  assert.equal(seen['cookie'], 'app_pref=dark', 'other cookies pass');

  const cookie = setCookie.split(';')[0]!;
  const later = await request(sim.publicUrl, secure, { path: '/headers', headers: { cookie: `${cookie}; app_pref=light` } });
  assert.equal(later.status, 200, 'the cookie alone authenticates');
  const laterSeen = json<Record<string, string>>(later);
  assert.equal(laterSeen['x-relay-user'], 'user1');
  assert.equal(laterSeen['cookie'], 'app_pref=light', 'the session cookie is removed before forwarding');

  const { ws } = await openWs(sim.publicUrl, secure, '/ws/echo', { headers: { cookie } });
  ws.send('hello through pre-auth');
  const [echoed] = (await once(ws, 'message')) as [Buffer];
  assert.equal(echoed.toString(), 'hello through pre-auth', 'a WebSocket with the session cookie gets through');
  ws.close();
  await closed(ws);
  const refused = await refusedUpgrade(sim.publicUrl, secure, '/ws/echo');
  assert.equal(refused.status, 401, 'an upgrade without a session is refused');
});

test('an unassigned user gets 403 not_assigned; tampered cookies and foreign tokens are no session', async () => {
  const unassigned = await request(sim.publicUrl, secure, { path: '/headers', headers: { authorization: `Bearer ${await token('user2')}` } });
  assert.equal(unassigned.status, 403);
  assert.equal(unassigned.headers['x-relay-error'], 'not_assigned');

  const good = await request(sim.publicUrl, secure, { path: '/headers', headers: { authorization: `Bearer ${await token('user1')}` } });
  const value = String(good.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
  const bytes = Buffer.from(value, 'base64url');
  bytes[20]! ^= 0xff;
  const tampered = await request(sim.publicUrl, secure, { path: '/headers', headers: { cookie: `relay_session=${bytes.toString('base64url')}` } });
  assert.equal(tampered.status, 401);

  const otherApp = await request(sim.publicUrl, secure, { path: '/headers', headers: { authorization: `Bearer ${await token('user1', 'echo')}` } });
  assert.equal(otherApp.status, 401, 'a token for another audience is refused');
});

test('a user cannot spoof x-relay-user on a passthrough app', async () => {
  const res = await request(sim.publicUrl, hostOf('echo'), { path: '/headers', headers: { 'x-relay-user': 'admin' } });
  assert.equal(json<Record<string, string>>(res)['x-relay-user'], undefined);
});
