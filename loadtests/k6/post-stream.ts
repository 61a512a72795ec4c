// k6 run loadtests/k6/post-stream.ts  (uploads from a size mix; the backend's byte count is checked)
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { DURATION, TARGET, hostHeaders } from './common.ts';

const SIZES = [16 * 1024, 256 * 1024, 1024 * 1024];
// Bodies are built once per VU; k6 has no streaming request bodies.
const BODIES = SIZES.map((size) => 'x'.repeat(size));

export const options: Options = {
  scenarios: {
    upload: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE ?? 20), timeUnit: '1s', duration: DURATION, preAllocatedVUs: 20, maxVUs: 200 },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    checks: ['rate==1'],
    http_req_duration: ['p(99)<2000'],
  },
};

export default function (): void {
  const index = Math.floor(Math.random() * SIZES.length);
  const res = http.post(`${TARGET}/upload`, BODIES[index], { headers: { ...hostHeaders.headers, 'Content-Type': 'application/octet-stream' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'byte count matches': (r) => (r.json('bytes') as number) === SIZES[index],
  });
}
