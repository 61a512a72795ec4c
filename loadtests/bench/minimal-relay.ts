/**
 * Benchmark baseline only: the least a relay of App Proxy's shape can do, to show in
 * `npm run bench:http` how much of the real relay's cost is its architecture and how much its own
 * machinery. Two processes: an edge (the relay's place) that takes each user request and sends it
 * as one JSON message over a single WebSocket, and a far end (the connector's place) that dialled
 * that WebSocket outbound, calls the backend over a keep-alive agent, and answers with the whole
 * response in one JSON message. No validation, no queue, no failover, no metrics, no timeouts, no
 * streaming (bodies are read whole, so only small GETs): nothing the real relay may drop.
 *
 * usage: node --import tsx loadtests/bench/minimal-relay.ts edge
 *        node --import tsx loadtests/bench/minimal-relay.ts far <edge ws:// URL> <backend origin>
 * Each tells its parent (IPC) `{ port }` once ready (the far end: 0, once its WebSocket is open).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

interface Forwarded {
  id: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}
interface Answered {
  id: number;
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body, base64. */
  body: string;
}

function runEdge(): void {
  const waiting = new Map<number, http.ServerResponse>();
  let nextId = 0;
  let far: WebSocket | undefined;
  const server = http.createServer((req, res) => {
    if (!far) return void res.writeHead(503).end();
    const id = nextId++;
    waiting.set(id, res);
    far.send(JSON.stringify({ id, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers } satisfies Forwarded));
    req.resume(); // GETs only: nothing to forward
  });
  new WebSocketServer({ server }).on('connection', (ws) => {
    far = ws;
    ws.on('message', (data: Buffer) => {
      const answer = JSON.parse(data.toString()) as Answered;
      const res = waiting.get(answer.id);
      waiting.delete(answer.id);
      res?.writeHead(answer.status, answer.headers).end(Buffer.from(answer.body, 'base64'));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
}

function runFar(edgeUrl: string, backendOrigin: string): void {
  const backend = new URL(backendOrigin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const edge = new WebSocket(edgeUrl);
  edge.once('open', () => process.send?.({ port: 0 }));
  edge.on('message', (data: Buffer) => {
    const { id, method, path, headers } = JSON.parse(data.toString()) as Forwarded;
    const options = { agent, hostname: backend.hostname, port: backend.port, method, path, headers: { ...headers, host: backend.host } };
    http
      .request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer: Answered = { id, status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks).toString('base64') };
          edge.send(JSON.stringify(answer));
        });
      })
      .on('error', () => edge.send(JSON.stringify({ id, status: 502, headers: {}, body: '' } satisfies Answered)))
      .end();
  });
}

const [role, edgeUrl, backendOrigin] = process.argv.slice(2);
if (role === 'edge') runEdge();
else if (role === 'far' && edgeUrl && backendOrigin) runFar(edgeUrl, backendOrigin);
else {
  process.stderr.write('usage: minimal-relay.ts edge | far <edge ws:// URL> <backend origin>\n');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
