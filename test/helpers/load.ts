import http from 'node:http';
import https from 'node:https';
import { OpenModelRunner } from '../../loadtests/drivers/open-model.ts';
import type { RunningSim } from './sim.ts';
import { ControlClient, type FaultAnswer, type FaultCall } from '../../sim/cluster/control-client.ts';

/** A fixed-rate open-model GET load on one app of a running sim (loopback only). */
export function getLoad(sim: RunningSim, app: string, path: string, rate: number, durationMs: number): { runner: OpenModelRunner; agent: http.Agent } {
  const host = new URL(sim.view.apps.find((a) => a.name === app)!.externalUrl).host;
  const origin = new URL(sim.publicUrl);
  // With `tls: on` the relay's public side is HTTPS, trusted through the sim's CA.
  const ca = sim.view.tls?.caCertificatePem;
  const agent = ca ? new https.Agent({ keepAlive: true, maxSockets: 512, ca }) : new http.Agent({ keepAlive: true, maxSockets: 512 });
  const client = ca ? https : http;
  const runner = new OpenModelRunner({
    pattern: { kind: 'constant', rate },
    durationMs,
    maxInFlight: 2000,
    send: () =>
      new Promise((resolve, reject) => {
        const req = client.get({ hostname: origin.hostname, port: origin.port, path, agent, headers: { host } }, (res) => {
          res.resume();
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, ...(res.headers['x-relay-error'] ? { errorCode: String(res.headers['x-relay-error']) } : {}) }),
          );
          res.once('error', reject);
        });
        req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'client_timeout' })));
        req.once('error', reject);
      }),
  });
  return { runner, agent };
}

/** A fault through the sim's control API; resolves with the HTTP status and the answer. */
export async function fault(controlUrl: string, call: FaultCall): Promise<{ status: number; body: FaultAnswer }> {
  const answer = await new ControlClient(controlUrl).fault(call);
  return { status: answer.status, body: answer };
}
