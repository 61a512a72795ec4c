import type { ServiceTime } from '../../sim/backend/app-service.ts';
import type { Topology } from '../../sim/cluster/topology.ts';
import type { ExtraHeaders, Profile } from '../profiles/profile.ts';

/** What the command line changes about a profile and its embedded sim, without editing files. */
export interface RunOverrides {
  /** `--path`: the path of the profile's GETs. */
  readonly path?: string | undefined;
  /** `-H 'name: value'`: headers on every HTTP request. */
  readonly headers?: ExtraHeaders | undefined;
  /** `--connectors N`: the size of each group serving the profile's apps (embedded sim). */
  readonly connectors?: number | undefined;
  /** `--backend-delay`: the service time of the profile's apps (embedded sim). */
  readonly backendDelay?: ServiceTime | undefined;
}

/** Parses one `-H` value; throws a message on a malformed one, or on Host (the app's host is the relay's routing). */
export function parseHeader(text: string): readonly [string, string] {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(text);
  if (!match) throw new Error(`-H takes 'name: value'; got ${text}`);
  if (match[1]!.toLowerCase() === 'host') throw new Error('-H cannot set Host: it names the app the relay routes to (the profile sets it)');
  return [match[1]!, match[2]!];
}

/** Why `--backend-delay` cannot apply to `profile` (it uploads or downloads), or undefined when it can. */
export function backendDelayRefusal(profile: Profile): string | undefined {
  if (profile.scenarios.every((s) => s.kind === 'get')) return undefined;
  return `--backend-delay applies to profiles of GETs only (the sim's backend then answers every path with it); ${profile.name} has ${profile.scenarios.map((s) => s.kind).join(', ')}`;
}

export function overrideProfile(profile: Profile, overrides: RunOverrides): Profile {
  const { path, headers } = overrides;
  if (path === undefined && !headers?.length) return profile;
  return {
    ...profile,
    scenarios: profile.scenarios.map((s) => {
      if (s.kind === 'ws') return s;
      const withHeaders = headers?.length ? { ...s, headers: [...(s.headers ?? []), ...headers] } : s;
      return withHeaders.kind === 'get' && path !== undefined ? { ...withHeaders, path } : withHeaders;
    }),
  };
}

/**
 * The embedded sim's topology with the overrides applied to the apps the profile drives and their
 * groups. A service time makes the sim's backend answer every path of those apps with it (and 256
 * deterministic bytes), so it is refused for profiles that upload or download: their answers are
 * checked byte for byte.
 */
export function overrideTopology(topology: Topology, profile: Profile, overrides: RunOverrides): Topology {
  const apps = new Set(profile.scenarios.map((s) => s.app));
  const groups = new Set(topology.apps.filter((a) => apps.has(a.name)).map((a) => a.group));
  const { connectors, backendDelay } = overrides;
  const refused = backendDelay && backendDelayRefusal(profile);
  if (refused) throw new Error(refused);
  return {
    ...topology,
    groups: connectors === undefined ? topology.groups : topology.groups.map((g) => (groups.has(g.name) ? { ...g, connectors } : g)),
    apps:
      backendDelay === undefined
        ? topology.apps
        : topology.apps.map((a) => (apps.has(a.name) ? { ...a, service: { responseBytes: 256, ...a.service, time: backendDelay } } : a)),
  };
}
