// k6 run loadtests/k6/get.ts  (same profile and thresholds as `npm run load -- get`)
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { DURATION, RATE, TARGET, hostHeaders } from './common.ts';

export const options: Options = {
  scenarios: {
    get: { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 50, maxVUs: 500 },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: ['p(99)<250'],
  },
};

export default function (): void {
  const res = http.get(`${TARGET}/echo`, hostHeaders);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
