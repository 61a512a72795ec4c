import type { Profile } from '../profiles/profile.ts';
import type { LiveSnapshot } from './live-line.ts';
import type { Segment } from './segment.ts';
import type { Threshold } from './thresholds.ts';

/** How to run a profile: everything the command line decided, validated. */
export interface RunSettings {
  readonly profile: Profile;
  readonly durationS: number;
  /** This runner's rate and sessions: with --segment, its share of the plan's. */
  readonly rate: number;
  readonly sessions: number;
  /** `--segment i/n`: this runner's place in a distributed run. */
  readonly segment?: Segment | undefined;
  /** Closed loop: connections; open model: the socket cap. */
  readonly connections: number;
  /** Closed-loop autocannon instead of the open model (GET scenarios only). */
  readonly closed: boolean;
  /** Worker threads: the open model's HTTP senders (≤ 1: this thread), or autocannon's for the closed loop (0: its choice). */
  readonly workers: number;
  /** The first seconds excluded from thresholds (`--warmup`); 0: none. */
  readonly warmupS?: number;
  readonly thresholds: readonly Threshold[];
  readonly metricsPort: number;
  /** Where loadgen /metrics listens (0.0.0.0 in containers, so Prometheus can scrape it). */
  readonly metricsHost: string;
  readonly progress: (line: string) => void;
  /** Stops the run early (Ctrl-C); what ran is still reported. */
  readonly stop?: AbortSignal;
  /** The live view, once a second while the load runs. */
  readonly live?: (snapshot: LiveSnapshot) => void;
}
