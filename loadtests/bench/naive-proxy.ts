/**
 * Benchmark baseline only: the naive way to build a relay, one Node http proxy per hop, piping each
 * request to the next hop over a keep-alive agent, and each WebSocket upgrade over its own TCP
 * connection (request head forwarded, then bytes piped both ways). Two of these in a chain are
 * what the real relay (control channel plus warm HTTP/2 data plane) is compared against in
 * `npm run bench:http` and `npm run bench:ws`.
 *
 * usage: node --import tsx loadtests/bench/naive-proxy.ts <upstream origin>
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const upstreamReq = http.request(
    { agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on('error', () => res.writeHead(502).end());
  req.pipe(upstreamReq);
});

server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
  const next = net.connect(Number(upstream.port), upstream.hostname, () => {
    const headers = { ...req.headers, host: upstream.host };
    const lines = Object.entries(headers).flatMap(([name, value]) => [value ?? []].flat().map((v) => `${name}: ${v}`));
    next.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) next.write(head);
    socket.pipe(next).pipe(socket);
  });
  socket.setNoDelay(true);
  next.setNoDelay(true);
  const close = () => {
    socket.destroy();
    next.destroy();
  };
  socket.once('error', close).once('close', close);
  next.once('error', close).once('close', close);
});

server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
