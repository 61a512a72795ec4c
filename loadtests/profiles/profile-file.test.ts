import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROFILES } from './index.ts';
import { parseProfileText, ProfileFileError } from './profile-file.ts';

const MINE = `
name: my-mix
measures: My app's mix.
duration: 1m30s
scenarios:
  reports:
    executor: constant-arrival-rate
    rate: 30
    exec: get
    app: echo
    path: /delay/40
    headers: { x-tenant: t1 }
  files:
    executor: ramping-arrival-rate
    startRate: 5
    rate: 10
    exec: download
    app: echo
    sizes: [64KiB, 1MiB, 512]
  chat:
    executor: websocket-sessions
    app: echo
    sessions: 50
    messagesPerSecond: 2
    messageBytes: 1KiB
faults:
  - { at: 20s, action: latency, target: "group:default", params: { latencyMs: 100 } }
thresholds: [http.p99 < 500]
`;

test('a user profile file becomes the profile the runner executes: rates as shares of their sum, units read, k6 executor names', () => {
  const profile = parseProfileText(MINE, 'mine.yaml');
  assert.deepEqual(profile.defaults, { durationS: 90, rate: 40, sessions: 50, connections: 50 });
  assert.deepEqual(profile.scenarios, [
    { name: 'reports', app: 'echo', share: 0.75, arrival: { kind: 'constant' }, headers: [['x-tenant', 't1']], kind: 'get', path: '/delay/40' },
    { name: 'files', app: 'echo', share: 0.25, arrival: { kind: 'ramp', from: 0.5, poisson: false }, kind: 'download', sizes: [65536, 1048576, 512] },
    { name: 'chat', kind: 'ws', app: 'echo', sessions: 50, messagesPerSecond: 2, messageBytes: 1024 },
  ]);
  assert.deepEqual(profile.faults, [{ atS: 20, action: 'latency', target: 'group:default', params: { latencyMs: 100 } }]);
  assert.deepEqual(profile.thresholds, ['http.p99 < 500']);
});

test('the built-in profiles are YAML files of the same form, with the mixes and arrivals they always had', () => {
  assert.deepEqual(Object.keys(PROFILES).sort(), ['download', 'failover', 'get', 'mixed', 'post-stream', 'queueing', 'soak', 'ws-sessions']);
  const failover = PROFILES['failover']!;
  assert.deepEqual(
    failover.scenarios.map((s) => [s.name, s.kind, s.kind === 'ws' ? s.sessions : s.share]),
    [
      ['get', 'get', 0.8],
      ['upload', 'post-stream', 0.2],
      ['ws', 'ws', 200],
    ],
  );
  assert.equal(failover.defaults.rate, 150);
  assert.deepEqual(failover.failoverThresholds, { appproxy: ['failover.otherFailures == 0'], resilient: ['failover.failedRequests == 0'] });
  assert.deepEqual(
    failover.faults?.map((f) => [f.atS, f.action]),
    [
      [10, 'kill'],
      [25, 'pause'],
      [35, 'resume'],
    ],
  );
  const queueing = PROFILES['queueing']!;
  assert.deepEqual(queueing.scenarios[0]!.kind !== 'ws' && queueing.scenarios[0]!.arrival, { kind: 'ramp', from: 0.2, poisson: true });
  assert.equal(queueing.queueingModel, true);
  assert.equal(PROFILES['soak']!.defaults.durationS, 300);
  assert.equal(PROFILES['soak']!.trackMemory, true);
  assert.ok(PROFILES['mixed']!.scenarios.every((s) => s.kind === 'ws' || s.arrival.kind === 'poisson'));
});

/** The profile MINE with one line replaced. */
const edit = (from: string, to: string) => {
  assert.ok(MINE.includes(from), from);
  return MINE.replace(from, to);
};

test('a bad profile file is refused before anything runs, with the field and what it must be', () => {
  const cases: [string, RegExp][] = [
    [edit('executor: constant-arrival-rate', 'executor: constant-vus'), /scenarios\.reports\.executor: "constant-vus" is not one of .*--closed/],
    [edit('exec: get', 'exec: put'), /scenarios\.reports\.exec: "put" is not one of get, upload, download/],
    [edit('path: /delay/40', 'sizes: [1KiB]'), /scenarios\.reports\.path/],
    [edit('sizes: [64KiB, 1MiB, 512]', 'sizes: [64kb]'), /scenarios\.files\.sizes\.0: "64kb" is not a size like 64KiB/],
    [edit('    startRate: 5\n', ''), /scenarios\.files\.startRate/],
    [edit('    rate: 30\n', '    rate: 30\n    stages: []\n'), /scenarios\.reports.*stages/],
    [edit('duration: 1m30s', 'duration: soon'), /duration: "soon" is not a duration/],
    [edit('at: 20s', 'at: 2m'), /faults\.0\.at: 120 s is not inside the 90 s run/],
    [edit('action: latency', 'action: explode'), /faults\.0: action "explode" is not one of kill/],
    [edit('[http.p99 < 500]', '[http.p98 < 500]'), /thresholds: .*http\.p98/],
    [
      edit('  chat:', '  chat2:\n    executor: websocket-sessions\n    app: echo\n    sessions: 1\n    messagesPerSecond: 1\n    messageBytes: 1\n  chat:'),
      /one websocket-sessions scenario/,
    ],
    [
      edit('name: my-mix', 'name: my-mix\ntopology: { groups: [{ name: g, connectors: 1 }], apps: [{ name: other, group: g }] }'),
      /scenarios\.reports\.app: "echo" is not an app/,
    ],
    [edit('name: my-mix', 'name: my-mix\nrate: 10'), /\(root\).*rate/],
    ['scenarios: [unclosed', /not valid YAML/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseProfileText(text, 'mine.yaml'),
      (err: Error) => err instanceof ProfileFileError && err.code === 'invalid_profile' && message.test(err.message) && err.message.includes('mine.yaml'),
      `expected ${message}`,
    );
  }
});
