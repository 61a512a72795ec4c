import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { K6Thresholds, parseK6Thresholds } from './k6-thresholds.ts';
import { parseThreshold, ThresholdError, type Threshold } from './thresholds.ts';

const SloFile = z.object({
  thresholds: z.union([
    z.array(
      z.union([z.string(), z.strictObject({ expr: z.string(), abortOnFail: z.boolean().default(false), delayAbortEvalS: z.number().min(0).default(0) })]),
    ),
    K6Thresholds,
  ]),
});

/**
 * Reads `--slo FILE` (YAML or JSON): `thresholds: ["http.p99 < 250", {expr, abortOnFail, delayAbortEvalS}]`,
 * or k6's form, `thresholds: { http_req_duration: ['p(99)<250'] }` (k6-thresholds.ts).
 */
export async function loadSloFile(path: string): Promise<Threshold[]> {
  let value: unknown;
  try {
    value = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ThresholdError(`cannot read --slo ${path}: ${(err as Error).message}`);
  }
  const parsed = SloFile.safeParse(value);
  if (!parsed.success) throw new ThresholdError(`--slo ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { thresholds } = parsed.data;
  if (!Array.isArray(thresholds)) return parseK6Thresholds(thresholds);
  return thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : parseThreshold(t.expr, t)));
}
