import { z } from 'zod';
import { FaultProxy } from '../faults/fault-proxy.ts';
import { ToxicSpec, installable, type Toxic } from '../faults/toxics.ts';
import { distanceToxics, type Hop } from '../faults/distance.ts';
import { SimError } from '../common/sim-error.ts';
import { formatZodError } from '../common/zod-errors.ts';

/** Commands the sim controller sends a connector about its links (DESIGN 3.5 link faults). */
export const LinkCommand = z.discriminatedUnion('action', [
  z.object({ action: z.literal('partition'), relay: z.string().optional() }),
  z.object({ action: z.literal('heal'), relay: z.string().optional() }),
  z.object({ action: z.literal('add-toxic'), relay: z.string().optional(), toxic: ToxicSpec }),
  z.object({ action: z.literal('remove-toxic'), relay: z.string().optional(), name: z.string() }),
  z.object({ action: z.literal('status') }),
]);
export type LinkCommand = z.infer<typeof LinkCommand>;

/** A link command the connector cannot apply: malformed, or naming a relay it has no link to. */
export class LinkCommandError extends SimError<'bad_link_command'> {
  constructor(message: string) {
    super('bad_link_command', message);
  }
}

/**
 * The fault proxies on this connector's links, one per relay: every connector→relay connection goes
 * through one, so the controller can cut or degrade a link without touching either process.
 */
export class LinkFaults {
  readonly #proxies = new Map<string, FaultProxy>();
  /** The relay hop's distance (topology `network.sites`): installed from the start, kept through `heal`. */
  readonly #distance: readonly Toxic[];
  /** Proxies in front of backends (topology `network.backends`), by backend origin; no live faults go to them. */
  readonly #backends = new Map<string, { proxy: FaultProxy; url: Promise<string> }>();
  readonly #backendDistance: readonly Toxic[];

  constructor(distance: { relays?: Hop | undefined; backends?: Hop | undefined } = {}) {
    this.#distance = distance.relays ? distanceToxics(distance.relays) : [];
    this.#backendDistance = distance.backends ? distanceToxics(distance.backends) : [];
  }

  /** Starts a proxy in front of `relayUrl`; resolves with the URL the connector should dial. */
  async front(relayId: string, relayUrl: string): Promise<string> {
    const target = new URL(relayUrl);
    const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    for (const toxic of this.#distance) proxy.addToxic(toxic);
    this.#proxies.set(relayId, proxy);
    return proxy.start();
  }

  /**
   * Where to dial a backend: through a proxy carrying the connector↔backend distance (the
   * topology's `network.backends`), started on first use for each backend origin.
   */
  async backendRoute(target: URL): Promise<URL> {
    let front = this.#backends.get(target.origin);
    if (!front) {
      const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port || 80) });
      for (const toxic of this.#backendDistance) proxy.addToxic(toxic);
      this.#backends.set(target.origin, (front = { proxy, url: proxy.start() }));
    }
    const via = new URL(await front.url);
    const routed = new URL(target);
    routed.hostname = via.hostname;
    routed.port = via.port;
    return routed;
  }

  async apply(raw: unknown): Promise<unknown> {
    const parsed = LinkCommand.safeParse(raw);
    if (!parsed.success) throw new LinkCommandError(`bad link command:\n${formatZodError(parsed.error)}`);
    const command = parsed.data;
    if (command.action === 'status') return this.#status();
    const proxies = this.#select(command.relay);
    for (const proxy of proxies) {
      if (command.action === 'partition') proxy.partition();
      else if (command.action === 'heal') this.#heal(proxy);
      else if (command.action === 'add-toxic') proxy.addToxic(installable(command.toxic));
      else proxy.removeToxic(command.name);
    }
    return this.#status();
  }

  async close(): Promise<void> {
    const backends = [...this.#backends.values()].map((b) => b.proxy);
    await Promise.all([...this.#proxies.values(), ...backends].map((p) => p.close()));
  }

  /** Undoes every live fault; the distance of the topology stays. */
  #heal(proxy: FaultProxy): void {
    proxy.clear();
    for (const toxic of this.#distance) proxy.addToxic(toxic);
  }

  #select(relay: string | undefined): FaultProxy[] {
    if (relay === undefined) return [...this.#proxies.values()];
    const proxy = this.#proxies.get(relay);
    if (!proxy) throw new LinkCommandError(`no link to relay ${relay}; links: ${[...this.#proxies.keys()].join(', ')}`);
    return [proxy];
  }

  #status() {
    return Object.fromEntries([...this.#proxies].map(([relay, p]) => [relay, { partitioned: p.partitioned, toxics: p.toxics() }]));
  }
}
