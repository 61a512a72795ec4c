// k6 run loadtests/k6/ws-sessions.ts  (long-lived sessions; RTT per message id as a custom Trend)
import ws from 'k6/ws';
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { APP_HOST, TARGET } from './common.ts';

const rtt = new Trend('ws_rtt', true);
const dropped = new Counter('ws_dropped');
const SESSION_SECONDS = Number(__ENV.SESSION_SECONDS ?? 30);

export const options: Options = {
  scenarios: {
    sessions: { executor: 'per-vu-iterations', vus: Number(__ENV.SESSIONS ?? 200), iterations: 1, maxDuration: `${SESSION_SECONDS + 30}s` },
  },
  thresholds: {
    ws_dropped: ['count==0'],
    ws_rtt: ['p(99)<250'],
  },
};

export default function (): void {
  const url = `${TARGET.replace(/^http/, 'ws')}/ws/echo`;
  const res = ws.connect(url, { headers: { Host: APP_HOST } }, (socket) => {
    const sentAt = new Map<number, number>();
    let seq = 0;
    socket.on('open', () => {
      socket.setInterval(() => {
        seq++;
        sentAt.set(seq, Date.now());
        socket.send(`m:${__VU}:${seq}:`);
      }, 1000);
      socket.setTimeout(() => socket.close(), SESSION_SECONDS * 1000);
    });
    socket.on('message', (data) => {
      const id = Number(String(data).split(':')[2]);
      const started = sentAt.get(id);
      if (started === undefined) return;
      rtt.add(Date.now() - started);
      sentAt.delete(id);
    });
    socket.on('close', () => dropped.add(sentAt.size));
  });
  check(res, { 'upgraded (101)': (r) => r !== null && r.status === 101 });
}
