/**
 * A separate process that opens `count` TCP connections to 127.0.0.1:`port` and never sends a
 * byte (or one byte with `--one-byte`), holds them for `holdMs`, then prints
 * `{"opened","cutByPeer"}` and exits. Run as its own process so that its file descriptors are not
 * the test's: `node --import tsx test/helpers/silent-sockets.ts <port> <count> <holdMs> [--one-byte]`.
 */
import net from 'node:net';

const [port, count, holdMs] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const oneByte = process.argv.includes('--one-byte');
const BATCH = 500;
let opened = 0;
let cutByPeer = 0;
const sockets: net.Socket[] = [];
// Bounded whatever happens: a connect whose SYN the kernel keeps retrying must not keep us alive.
setTimeout(() => process.exit(3), holdMs + 60_000).unref();

for (let start = 0; start < count; start += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, count - start) }, () => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => cutByPeer++);
    return new Promise<void>((resolve) => {
      socket.once('connect', () => {
        opened++;
        if (oneByte) socket.write('G');
        resolve();
      });
      socket.once('close', () => resolve());
    });
  });
  await Promise.all(batch);
}
await new Promise((resolve) => setTimeout(resolve, holdMs));
process.stdout.write(`${JSON.stringify({ opened, cutByPeer })}\n`);
for (const socket of sockets) socket.destroy();
process.exit(0);
