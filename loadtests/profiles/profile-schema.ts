import { z } from 'zod';
import { parseDurationS } from '../run/duration.ts';

// The YAML form of a load profile. Scenario executors take k6's names where k6 has one
// (`constant-arrival-rate`, `ramping-arrival-rate`); the rest are relay-sim's own. Every figure
// with a unit is written with it (`45s`, `64KiB`), or as a plain number of seconds / bytes.

const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** `64KiB`, `1MiB`, `512B`, or a plain number of bytes. */
export const ByteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)$/.exec(value.trim()) : null;
  const bytes = typeof value === 'number' ? value : match ? Math.round(Number(match[1]) * UNIT_BYTES[match[2] as keyof typeof UNIT_BYTES]) : NaN;
  if (!(Number.isInteger(bytes) && bytes > 0)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a size like 64KiB, 1MiB or 512B` });
  return bytes;
});

/** `45s`, `1h30m`, `500ms`, or a plain number of seconds; in seconds. */
export const DurationText = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = typeof value === 'number' ? value : parseDurationS(value);
  if (seconds === undefined || !(seconds >= 0) || !Number.isFinite(seconds))
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration like 45s, 1h30m or 500ms` });
  return seconds ?? 0;
});

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const Rate = z.number().positive().finite();
const Headers = z.record(z.string(), z.string()).optional();

/** HTTP arrivals at a fixed rate, evenly spaced (k6's executor of that name). */
const ConstantArrivalRate = z.strictObject({
  executor: z.literal('constant-arrival-rate'),
  rate: Rate,
});
/** HTTP arrivals at a mean rate with exponential gaps (relay-sim's own: k6 has no Poisson executor). */
const PoissonArrivalRate = z.strictObject({
  executor: z.literal('poisson-arrival-rate'),
  rate: Rate,
});
/**
 * HTTP arrivals ramping linearly from `startRate` to `rate` over the whole run (k6's executor of
 * that name, with one stage: k6's multi-stage `stages` are not supported).
 */
const RampingArrivalRate = z.strictObject({
  executor: z.literal('ramping-arrival-rate'),
  startRate: z.number().min(0).finite(),
  rate: Rate,
  arrivals: z.enum(['even', 'poisson']).default('even'),
});

const Get = { exec: z.literal('get'), app: Name, path: z.string().startsWith('/', 'a path starts with /'), headers: Headers };
const Upload = { exec: z.literal('upload'), app: Name, sizes: z.array(ByteSize).min(1), headers: Headers };
const Download = { exec: z.literal('download'), app: Name, sizes: z.array(ByteSize).min(1), headers: Headers };

/** The HTTP request each arrival sends: `exec` picks get (a path), upload or download (a size mix). */
export const HTTP_EXECS = { get: Get, upload: Upload, download: Download } as const;
export const HTTP_EXECUTORS = {
  'constant-arrival-rate': ConstantArrivalRate,
  'poisson-arrival-rate': PoissonArrivalRate,
  'ramping-arrival-rate': RampingArrivalRate,
} as const;

/** Long-lived WebSocket sessions, each sending echo messages (relay-sim's own executor). */
export const WebSocketSessions = z.strictObject({
  executor: z.literal('websocket-sessions'),
  app: Name,
  sessions: z.number().int().positive(),
  messagesPerSecond: z.number().positive().finite(),
  messageBytes: ByteSize,
});

const FailoverThresholds = z.strictObject({ appproxy: z.array(z.string()), resilient: z.array(z.string()) });

/** A profile file's top level; `scenarios` are checked one by one by their executor (profile-file.ts). */
export const ProfileFileSchema = z.strictObject({
  name: Name,
  measures: z.string().min(1),
  duration: DurationText.refine((s) => s > 0, 'a run lasts more than 0 s'),
  /** Connections of a `--closed` (autocannon) run. */
  connections: z.number().int().positive().default(50),
  /** The embedded sim's topology, in the form of a `--topology` file (validated by the sim's own schema). */
  topology: z.unknown().optional(),
  /** Overlay measured queue wait with the M/M/c (Erlang C) prediction in the report. */
  queueingModel: z.boolean().default(false),
  /** Record every process's memory each second (soak). */
  trackMemory: z.boolean().default(false),
  scenarios: z.record(Name, z.looseObject({ executor: z.string() })),
  faults: z
    .array(z.strictObject({ at: DurationText, action: z.string(), target: z.string(), params: z.record(z.string(), z.unknown()).optional() }))
    .default([]),
  thresholds: z.array(z.string()).default([]),
  /** Thresholds that hold only in one failover mode (what a connector's loss may cost). */
  failoverThresholds: FailoverThresholds.optional(),
});
export type ProfileFile = z.infer<typeof ProfileFileSchema>;
