/**
 * Benchmark baseline only: the naive way to build a relay, one Node http proxy per hop, piping each
 * request to the next hop over a keep-alive agent. Two of these in a chain are what the real relay
 * (control channel plus warm HTTP/2 data plane) is compared against in `npm run bench`.
 *
 * usage: node --import tsx loadtests/bench/naive-proxy.ts <upstream origin>
 */
import http from 'node:http';
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
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
