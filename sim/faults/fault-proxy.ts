import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { closeServer, listen } from '../common/listen.ts';
import { DelayLine } from './delay-line.ts';
import type { Toxic, ToxicDirection } from './toxics.ts';

/** A proxied connection: the dialling side, the far side, and which toxics apply to it. */
interface Link {
  readonly downstream: net.Socket;
  readonly upstream: net.Socket;
  /** Toxic name → whether it applies to this connection (decided once by its toxicity). */
  readonly applies: Map<string, boolean>;
  readonly bytes: Record<ToxicDirection, number>;
}

interface Installed {
  readonly toxic: Toxic;
  /** Aborted when the toxic is removed, releasing anything it holds. */
  readonly removed: AbortController;
}

/**
 * A small in-process TCP fault proxy on one connector→relay link, in the manner of toxiproxy: each
 * toxic is a per-direction stage that can be added or removed live without losing data. A
 * partition stops reading both ways without closing a socket: the peers see a silent failure and
 * TCP backpressure, and a heal lets everything through again, in order.
 */
export class FaultProxy {
  readonly #upstream: { host: string; port: number };
  readonly #server: net.Server;
  readonly #links = new Set<Link>();
  readonly #toxics = new Map<string, Installed>();
  #partition: { promise: Promise<void>; heal: () => void } | undefined;

  constructor(upstream: { host: string; port: number }) {
    this.#upstream = upstream;
    this.#server = net.createServer((socket) => void this.#accept(socket));
  }

  /** Starts listening on loopback; resolves with the proxy's `http://127.0.0.1:<port>` URL. */
  async start(): Promise<string> {
    const port = await listen(this.#server, 0, '127.0.0.1');
    return `http://127.0.0.1:${port}`;
  }

  get partitioned(): boolean {
    return this.#partition !== undefined;
  }

  toxics(): Toxic[] {
    return [...this.#toxics.values()].map((t) => t.toxic);
  }

  partition(): void {
    if (this.#partition) return;
    let heal!: () => void;
    const promise = new Promise<void>((resolve) => (heal = resolve));
    this.#partition = { promise, heal };
  }

  heal(): void {
    this.#partition?.heal();
    this.#partition = undefined;
  }

  /** Adds (or replaces) a toxic by name; it applies to live and future connections. */
  addToxic(toxic: Toxic): void {
    this.removeToxic(toxic.name);
    const installed = { toxic, removed: new AbortController() };
    this.#toxics.set(toxic.name, installed);
    for (const link of this.#links) this.#roll(link, installed);
  }

  removeToxic(name: string): boolean {
    const installed = this.#toxics.get(name);
    if (!installed) return false;
    this.#toxics.delete(name);
    installed.removed.abort();
    return true;
  }

  /** Heals the partition and removes every toxic. */
  clear(): void {
    this.heal();
    for (const name of [...this.#toxics.keys()]) this.removeToxic(name);
  }

  async close(): Promise<void> {
    this.clear();
    for (const link of this.#links) {
      link.downstream.destroy();
      link.upstream.destroy();
    }
    await closeServer(this.#server);
  }

  async #accept(downstream: net.Socket): Promise<void> {
    downstream.setNoDelay(true);
    downstream.on('error', () => downstream.destroy());
    // A partitioned link accepts nothing new either, like dropped SYNs: hold until healed.
    if (this.#partition) await this.#partition.promise;
    if (downstream.destroyed) return;
    const upstream = net.connect({ ...this.#upstream, noDelay: true });
    upstream.on('error', () => upstream.destroy());
    const link: Link = { downstream, upstream, applies: new Map(), bytes: { upstream: 0, downstream: 0 } };
    this.#links.add(link);
    for (const installed of this.#toxics.values()) this.#roll(link, installed);
    const closeBoth = () => {
      downstream.destroy();
      upstream.destroy();
      this.#links.delete(link);
    };
    downstream.once('close', closeBoth);
    upstream.once('close', closeBoth);
    this.#pump(link, downstream, upstream, 'upstream');
    this.#pump(link, upstream, downstream, 'downstream');
  }

  /** Decides whether a toxic applies to a connection, and arms a reset_peer toxic's timer. */
  #roll(link: Link, installed: Installed): void {
    const applies = Math.random() < installed.toxic.toxicity;
    link.applies.set(installed.toxic.name, applies);
    if (applies && installed.toxic.type === 'reset_peer') {
      const timer = setTimeout(() => {
        link.downstream.resetAndDestroy();
        link.upstream.resetAndDestroy();
      }, installed.toxic.attributes.timeout);
      installed.removed.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }
  }

  /**
   * Moves one direction's bytes through the gate and the toxics, with backpressure throughout. A
   * clean link (no partition, no toxic, nothing held in the delay line) writes each chunk as it is
   * read: the profile of `npm run bench:http` showed the per-chunk promises of the general path
   * costing a connector more than its own work. Any chunk that meets a fault takes the general path,
   * and the chunks behind it follow it in order.
   */
  #pump(link: Link, from: net.Socket, to: net.Socket, direction: ToxicDirection): void {
    const line = new DelayLine(to, () => this.#partition?.promise);
    let behind: Promise<void> | undefined; // the general path's chain; later chunks wait on it
    const resumeOnDrain = () => from.resume();
    from.on('data', (chunk: Buffer) => {
      if (!behind && !this.#partition && this.#toxics.size === 0 && line.idle) {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', resumeOnDrain);
        }
        return;
      }
      from.pause();
      const previous = behind ?? Promise.resolve();
      const mine: Promise<void> = previous
        .then(() => this.#faulted(link, chunk, to, line, direction))
        .then(
          () => {
            if (behind === mine) behind = undefined;
            if (!to.destroyed) from.resume();
          },
          () => void to.destroy(),
        );
      behind = mine;
    });
    from.once('end', () => {
      void (behind ?? Promise.resolve())
        .then(() => line.flush())
        .then(
          () => void to.end(),
          () => void to.destroy(),
        );
    });
    from.once('error', () => to.destroy());
  }

  /** One chunk through the partition gate, the toxics that apply to it, and the delay line. */
  async #faulted(link: Link, chunk: Buffer, to: net.Socket, line: DelayLine, direction: ToxicDirection): Promise<void> {
    if (this.#partition) await this.#partition.promise;
    const readAt = performance.now();
    let pieces: Buffer[] = [chunk];
    let delayMs = 0;
    for (const installed of this.#toxics.values()) {
      if (installed.toxic.stream !== direction || !link.applies.get(installed.toxic.name)) continue;
      if (installed.toxic.type === 'latency') delayMs += latencyOf(installed.toxic.attributes);
      else pieces = await applyToxic(installed, pieces, link, direction);
    }
    if (to.destroyed) return;
    await line.push(pieces, readAt + delayMs);
  }
}

/** One chunk's delay from a latency toxic: latency ± jitter, never negative. */
function latencyOf(attributes: { latency: number; jitter: number }): number {
  return Math.max(0, attributes.latency + attributes.jitter * (Math.random() * 2 - 1));
}

/** Runs the pieces of one chunk through one toxic; resolves with what passes on. */
async function applyToxic(installed: Installed, pieces: Buffer[], link: Link, direction: ToxicDirection): Promise<Buffer[]> {
  const { toxic, removed } = installed;
  const signal = removed.signal;
  const size = pieces.reduce((n, p) => n + p.length, 0);
  const wait = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);
  switch (toxic.type) {
    case 'latency':
      return pieces; // a delay line in #pump
    case 'bandwidth':
      await wait((size / (toxic.attributes.rate * 1024)) * 1000);
      return pieces;
    case 'timeout':
      if (toxic.attributes.timeout === 0) {
        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
        return pieces;
      }
      await wait(toxic.attributes.timeout);
      if (!signal.aborted) {
        link.downstream.destroy();
        link.upstream.destroy();
        return [];
      }
      return pieces;
    case 'reset_peer':
      return pieces; // armed in #roll
    case 'slicer':
      return slice(pieces, toxic.attributes.average_size, toxic.attributes.size_variation, toxic.attributes.delay, wait);
    case 'limit_data': {
      const allowed = toxic.attributes.bytes - link.bytes[direction];
      link.bytes[direction] += size;
      if (allowed >= size) return pieces;
      const kept = Buffer.concat(pieces).subarray(0, Math.max(0, allowed));
      setImmediate(() => {
        link.downstream.end();
        link.upstream.end();
      });
      return kept.length > 0 ? [kept] : [];
    }
  }
}

async function slice(pieces: Buffer[], average: number, variation: number, delayUs: number, wait: (ms: number) => Promise<void>): Promise<Buffer[]> {
  const all = Buffer.concat(pieces);
  const out: Buffer[] = [];
  for (let offset = 0; offset < all.length;) {
    const size = Math.max(1, average + Math.round((Math.random() * 2 - 1) * variation));
    out.push(all.subarray(offset, offset + size));
    offset += size;
  }
  if (delayUs > 0) await wait((delayUs / 1000) * out.length);
  return out;
}
