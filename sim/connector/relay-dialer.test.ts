import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CertificateAuthority } from '../pki/certificate-authority.ts';
import { LinkError, RelayDialer } from './relay-dialer.ts';

async function blackHole(): Promise<{ url: string; close: () => void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('a proxy that accepts CONNECT and then says nothing gives a timeout error, not a hang', async () => {
  const hole = await blackHole();
  const dialer = new RelayDialer('http://127.0.0.1:9', { outboundProxy: hole.url, timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(dialer.dial('http/1.1'), (err: LinkError) => err.code === 'timeout' && /via proxy/.test(err.message));
  assert.ok(Date.now() - started < 2000);
  hole.close();
});

test('a relay that never completes the TLS handshake gives a timeout error', async () => {
  const hole = await blackHole();
  const ca = await CertificateAuthority.create();
  const dialer = new RelayDialer(hole.url, { caCertificatePem: ca.certificatePem, timeoutMs: 300 });
  await assert.rejects(dialer.dial('h2'), (err: LinkError) => err.code === 'timeout');
  hole.close();
});

test('an unreachable proxy is named as the proxy, not as the relay', async () => {
  const dialer = new RelayDialer('http://127.0.0.1:9', { outboundProxy: 'http://127.0.0.1:1', timeoutMs: 2000 });
  await assert.rejects(dialer.dial('http/1.1'), (err: LinkError) => err.code === 'proxy_unreachable' && /outbound proxy 127\.0\.0\.1:1/.test(err.message));
});
