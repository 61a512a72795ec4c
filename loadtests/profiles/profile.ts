import type { TopologyInput } from '../../sim/cluster/topology.ts';
import type { FailoverMode } from '../../sim/relay/relay-config.ts';

/** Extra request headers of an HTTP scenario (`-H 'name: value'`), in order. */
export type ExtraHeaders = readonly (readonly [string, string])[];

/**
 * How an HTTP scenario's requests arrive: evenly spaced, Poisson, or ramping linearly from
 * `from` × its rate to its rate over the run (evenly or Poisson around the ramping rate).
 */
export type ScenarioArrival = { readonly kind: 'constant' | 'poisson' } | { readonly kind: 'ramp'; readonly from: number; readonly poisson: boolean };

/** One stream of traffic in a profile (profiles are YAML files: profile-schema.ts). */
export type ScenarioSpec =
  | {
      readonly name: string;
      readonly kind: 'get';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly path: string;
      /** Share of the profile's rate (open model); patterns scale with it. */
      readonly share: number;
      readonly arrival: ScenarioArrival;
    }
  | {
      readonly name: string;
      readonly kind: 'post-stream';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly share: number;
      readonly arrival: ScenarioArrival;
      /** Upload sizes in bytes, picked uniformly; each body streams in 64 KiB chunks. */
      readonly sizes: readonly number[];
    }
  | {
      readonly name: string;
      readonly kind: 'download';
      readonly headers?: ExtraHeaders;
      readonly app: string;
      readonly share: number;
      readonly arrival: ScenarioArrival;
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
