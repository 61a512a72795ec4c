// k6 run loadtests/k6/failover.ts  (GET load while the sim kills, pauses and resumes connectors via
// its control API at 10 s, 25 s and 35 s, as `npm run load -- failover` does)
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { CONTROL, TARGET, hostHeaders } from './common.ts';

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
  thresholds: {
    'http_req_failed{scenario:get}': ['rate==0'],
  },
};

function fault(action: string): void {
  const res = http.post(`${CONTROL}/faults`, JSON.stringify({ action, target: 'group:default' }), { headers: { 'Content-Type': 'application/json' } });
  check(res, { [`${action} accepted`]: (r) => r.status === 200 });
}

export function get(): void {
  const res = http.get(`${TARGET}/delay/20`, hostHeaders);
  check(res, { 'status is 200': (r) => r.status === 200 });
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
