import { SimCluster } from '../../sim/cluster/sim-cluster.ts';
import { ControlClient } from '../../sim/cluster/control-client.ts';
import type { Topology } from '../../sim/cluster/topology.ts';
import { OpenModelRunner } from '../drivers/open-model.ts';
import { httpSender, LoadClient, type HttpScenario, type LoadTarget } from '../run/http-scenarios.ts';
import { metricSum, scrape } from '../run/prom-text.ts';

/** The service level a plan must hold: p99 and error rate. */
export interface Slo {
  readonly p99Ms: number;
  readonly maxErrorRate: number;
}

/** One load step's outcome. */
export interface StepResult {
  readonly rate: number;
  readonly sent: number;
  /** Requests sent of each kind of the mix (get, post-stream, download). */
  readonly sentByKind: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly p99Ms: number | null;
  readonly withinSlo: boolean;
}

/** A run at the requested rate through a failure: one connector killed, or a rolling update. */
export interface FailureResult extends StepResult {
  readonly failure: 'kill' | 'update';
  /** Requests the relay counted lost in flight with their connector (an App Proxy loss, not an SLO miss). */
  readonly lostInFlight: number;
  /** Failures the loss of a connector does not explain. */
  readonly otherFailures: number;
}

/**
 * One group size under trial: a sim of `topology` (the group at N connectors), loaded at
 * open-model rates with the plan's request mix (each arrival is one of `scenarios`, drawn by
 * share). Every run is bounded by its duration; the sim is closed after.
 */
export class PlanTrial {
  readonly #cluster: SimCluster;
  readonly #scenarios: readonly HttpScenario[];
  readonly #group: string;
  #target: LoadTarget | undefined;
  #closed: Promise<void> | undefined;

  constructor(topology: Topology, group: string, scenarios: readonly HttpScenario[]) {
    this.#cluster = new SimCluster(topology, { basePort: 0, logLevel: 'error' });
    this.#scenarios = scenarios;
    this.#group = group;
  }

  async start(): Promise<void> {
    await this.#cluster.start();
    const view = this.#cluster.view();
    const port = new URL(view.relays[0]!.publicUrl).port;
    const domain = this.#cluster.topology.domain;
    this.#target = {
      origin: new URL(view.relays[0]!.publicUrl),
      instances: view.relays.map((r) => new URL(r.publicUrl)),
      hostOf: (a) => `${a}.${domain}:${port}`,
    };
  }

  /** Stops the sim; safe to call again. */
  /**
   * Times this host finished virtual-CPU work over 50 ms late (connector_cpu_late_total, all
   * connectors): above 0, the figures describe this machine rather than the model.
   */
  async hostFellBehind(): Promise<number> {
    const connectors = await Promise.all(this.#cluster.view().connectors.map((c) => scrape(c.metricsUrl).catch(() => [])));
    return metricSum(connectors.flat(), 'connector_cpu_late_total');
  }

  close(): Promise<void> {
    this.#closed ??= this.#cluster.close();
    return this.#closed;
  }

  /** Constant-rate requests of the mix for `seconds`; within the SLO when p99 and the error rate hold. */
  async step(rate: number, seconds: number, slo: Slo): Promise<StepResult> {
    const target = this.#target!;
    const client = new LoadClient(target, 512);
    const sentByKind: Record<string, number> = {};
    const senders = this.#scenarios.map((scenario) => {
      const sender = httpSender(scenario, target, client);
      return [scenario.share, () => ((sentByKind[scenario.kind] = (sentByKind[scenario.kind] ?? 0) + 1), sender())] as const;
    });
    const total = senders.reduce((n, [share]) => n + share, 0);
    const send = () => {
      let pick = Math.random() * total;
      for (const [share, sender] of senders) if ((pick -= share) < 0) return sender();
      return senders.at(-1)![1]();
    };
    const runner = new OpenModelRunner({
      pattern: { kind: 'constant', rate },
      durationMs: seconds * 1000,
      maxInFlight: Math.max(1000, rate * 30),
      send,
    });
    const report = await runner.run();
    await client.destroy();
    const p99Ms = report.sent > 0 ? report.latencyMs.p99 : null;
    const withinSlo = p99Ms !== null && p99Ms <= slo.p99Ms && report.errors <= slo.maxErrorRate * report.sent && report.dropped === 0;
    return { rate, sent: report.sent, sentByKind, errors: report.errors, p99Ms, withinSlo };
  }

  /**
   * The requested rate while a connector of the group is killed 2 s in, or while the group is
   * updated one connector at a time. Losses in flight are App Proxy's behaviour; within the SLO
   * means p99 under `slo.p99Ms × failureP99Factor` and no failure beyond those losses.
   */
  async through(failure: 'kill' | 'update', rate: number, seconds: number, slo: Slo, failureP99Factor: number): Promise<FailureResult> {
    const control = new ControlClient(this.#cluster.view().controlUrl);
    const relay = this.#cluster.view().relays[0]!.metricsUrl;
    const lostBefore = metricSum(await scrape(relay), 'relay_requests_lost_total');
    const loaded = this.step(rate, seconds, { p99Ms: Infinity, maxErrorRate: 1 });
    await new Promise((r) => setTimeout(r, 2000));
    await control.fault({ action: failure, target: `group:${this.#group}` });
    const step = await loaded;
    const lostInFlight = metricSum(await scrape(relay), 'relay_requests_lost_total') - lostBefore;
    const otherFailures = step.errors - lostInFlight;
    const withinSlo = step.p99Ms !== null && step.p99Ms <= slo.p99Ms * failureP99Factor && otherFailures <= 0;
    return { ...step, failure, lostInFlight, otherFailures, withinSlo };
  }
}
