import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const DIR = fileURLToPath(new URL('../loadtests/k6/', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

test('the k6 scripts type-check against @types/k6', async () => {
  await promisify(execFile)(process.execPath, [TSC, '--noEmit', '-p', DIR], { timeout: 60_000 });
});

test('the k6 scripts use only k6 APIs (no Node.js modules) and carry thresholds', async () => {
  const scripts = (await readdir(DIR)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.deepEqual(scripts.filter((s) => s !== 'common.ts').sort(), ['failover.ts', 'get.ts', 'post-stream.ts', 'ws-sessions.ts']);
  for (const script of scripts) {
    const text = await readFile(`${DIR}/${script}`, 'utf8');
    for (const [, module] of text.matchAll(/from '([^']+)'/g)) {
      assert.ok(module!.startsWith('k6') || module!.startsWith('./'), `${script} imports ${module}`);
    }
    assert.doesNotMatch(text, /\brequire\(|process\.|node:/, `${script} uses no Node API`);
    if (script !== 'common.ts') assert.match(text, /thresholds:/, `${script} declares thresholds`);
  }
});
