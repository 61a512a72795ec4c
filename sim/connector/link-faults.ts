import { z } from 'zod';
import { FaultProxy } from '../faults/fault-proxy.ts';
import { ToxicSpec, installable } from '../faults/toxics.ts';
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

  /** Starts a proxy in front of `relayUrl`; resolves with the URL the connector should dial. */
  async front(relayId: string, relayUrl: string): Promise<string> {
    const target = new URL(relayUrl);
    const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    this.#proxies.set(relayId, proxy);
    return proxy.start();
  }

  async apply(raw: unknown): Promise<unknown> {
    const parsed = LinkCommand.safeParse(raw);
    if (!parsed.success) throw new LinkCommandError(`bad link command:\n${formatZodError(parsed.error)}`);
    const command = parsed.data;
    if (command.action === 'status') return this.#status();
    const proxies = this.#select(command.relay);
    for (const proxy of proxies) {
      if (command.action === 'partition') proxy.partition();
      else if (command.action === 'heal') proxy.clear();
      else if (command.action === 'add-toxic') proxy.addToxic(installable(command.toxic));
      else proxy.removeToxic(command.name);
    }
    return this.#status();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#proxies.values()].map((p) => p.close()));
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
