import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie, SessionCookies, withoutCookie } from './session-cookie.ts';

test('a sealed session opens with the same key, and nothing else does', () => {
  const cookies = new SessionCookies(false);
  const session = { user: 'user1', app: 'secure', exp: Date.now() / 1000 + 60 };
  const value = cookies.seal(session);
  assert.deepEqual(cookies.open(value), session);
  const tampered = Buffer.from(value, 'base64url');
  tampered[14]! ^= 1;
  assert.equal(cookies.open(tampered.toString('base64url')), undefined, 'a flipped bit is no session');
  assert.equal(new SessionCookies(false).open(value), undefined, "another relay's key cannot open it");
  assert.equal(cookies.open(cookies.seal({ ...session, exp: Date.now() / 1000 - 1 })), undefined, 'expired is no session');
  assert.equal(cookies.open('garbage'), undefined);
});

test('the cookie header is HttpOnly, expires with the token, and Secure only under TLS', () => {
  const header = new SessionCookies(false).setCookieHeader({ user: 'u', app: 'a', exp: 1000 + 90 }, 1000);
  assert.match(header, /^relay_session=[\w-]+; Path=\/; Max-Age=90; HttpOnly; SameSite=Lax$/);
  assert.match(new SessionCookies(true).setCookieHeader({ user: 'u', app: 'a', exp: 2000 }, 1000), /; Secure$/);
});

test('cookies are read and removed by name', () => {
  assert.equal(readCookie('a=1; relay_session=xyz; b=2', 'relay_session'), 'xyz');
  assert.equal(withoutCookie('a=1; relay_session=xyz; b=2', 'relay_session'), 'a=1; b=2');
  assert.equal(withoutCookie('relay_session=xyz', 'relay_session'), undefined);
});
