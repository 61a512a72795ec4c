import type { TopologyInput } from '../../sim/cluster/topology.ts';
import type { ArrivalPattern } from '../drivers/open-model.ts';
import type { FailoverMode } from '../../sim/relay/relay-config.ts';

/** Extra request headers of an HTTP scenario (`-H 'name: value'`), in order. */
export type ExtraHeaders = readonly (readonly [string, string])[];

/** One stream of traffic in a profile. */
export type ScenarioSpec =
  | {
      readonly name: string;
      readonly kind: 'get';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly path: string;
      /** Share of the profile's rate (open model); patterns scale with it. */
      readonly share: number;
      readonly pattern?: 'constant' | 'poisson' | 'ramp';
    }
  | {
      readonly name: string;
      readonly kind: 'post-stream';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly share: number;
      /** Upload sizes in bytes, picked uniformly; each body streams in 64 KiB chunks. */
      readonly sizes: readonly number[];
    }
  | {
      readonly name: string;
      readonly kind: 'download';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly share: number;
      readonly sizes: readonly number[];
    }
  | {
      readonly name: string;
      readonly kind: 'ws';
      readonly app: string;
      /** Sessions held open; each sends `messagesPerSecond` echo messages. */
      readonly sessions: number;
      readonly messagesPerSecond: number;
      readonly messageBytes: number;
    };

export interface PlannedFault {
  /** Seconds into the run. */
  readonly atS: number;
  readonly action: string;
  readonly target: string;
  readonly params?: Record<string, unknown>;
}

/** A load profile: typed data the runner executes (`npm run load -- <name>`). */
export interface Profile {
  readonly name: string;
  /** What it measures, shown in `--help` and the report. */
  readonly measures: string;
  readonly defaults: { readonly durationS: number; readonly rate: number; readonly sessions: number; readonly connections: number };
  /** Arrival pattern for HTTP scenarios; `ramp` goes from rampFrom × rate to rate. */
  readonly arrival: ArrivalPattern['kind'];
  readonly rampFrom?: number;
  readonly scenarios: readonly ScenarioSpec[];
  readonly faults?: readonly PlannedFault[];
  /** k6-style threshold expressions that decide the exit code. */
  readonly thresholds: readonly string[];
  /** More thresholds that depend on the sim's failover mode (what a connector's loss may cost). */
  readonly failoverThresholds?: Readonly<Record<FailoverMode, readonly string[]>>;
  /** The embedded sim's topology when no --target is given (the default topology otherwise). */
  readonly topology?: TopologyInput;
  /** Overlay measured queue wait with the M/M/c (Erlang C) prediction in the report. */
  readonly queueingModel?: boolean;
  /** Record process memory of every component each second (soak). */
  readonly trackMemory?: boolean;
}

/** A profile's thresholds for a sim in `mode`; mode-dependent ones are left out when the mode is unknown. */
export function profileThresholds(profile: Profile, mode: FailoverMode | undefined): readonly string[] {
  return [...profile.thresholds, ...(mode && profile.failoverThresholds ? profile.failoverThresholds[mode] : [])];
}
