// k6 run loadtests/k6/failover.ts  (GET load while the sim kills, pauses and resumes connectors via
// its control API at 10 s, 25 s and 35 s, as `npm run load -- failover` does)
// FAILOVER_MODE=appproxy (the sim's default): requests in flight on a dead connector fail with 502
// connector_lost, as on App Proxy, and nothing else may fail. FAILOVER_MODE=resilient: nothing may fail.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONTROL, TARGET, hostHeaders } from './common.ts';

const lostInFlight = new Counter('lost_in_flight');
const otherFailures = new Counter('other_failures');
const resilient = __ENV.FAILOVER_MODE === 'resilient';

export const options: Options = {
  scenarios: {
    get: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE ?? 150),
      timeUnit: '1s',
      duration: '45s',
      preAllocatedVUs: 50,
      maxVUs: 1000,
      exec: 'get',
    },
    kill: { executor: 'shared-iterations', vus: 1, iterations: 1, startTime: '10s', exec: 'kill' },
    pause: { executor: 'shared-iterations', vus: 1, iterations: 1, startTime: '25s', exec: 'pause' },
    resume: { executor: 'shared-iterations', vus: 1, iterations: 1, startTime: '35s', exec: 'resume' },
  },
  thresholds: resilient ? { 'http_req_failed{scenario:get}': ['rate==0'] } : { other_failures: ['count==0'] },
};

function fault(action: string): void {
  const res = http.post(`${CONTROL}/faults`, JSON.stringify({ action, target: 'group:default' }), { headers: { 'Content-Type': 'application/json' } });
  check(res, { [`${action} accepted`]: (r) => r.status === 200 });
}

export function get(): void {
  const res = http.get(`${TARGET}/delay/20`, hostHeaders);
  check(res, { 'status is 200': (r) => r.status === 200 });
  if (res.status === 200) return;
  if (res.headers['X-Relay-Error'] === 'connector_lost') lostInFlight.add(1);
  else otherFailures.add(1);
}

export function kill(): void {
  fault('kill');
}

export function pause(): void {
  fault('pause');
}

export function resume(): void {
  fault('resume');
}
