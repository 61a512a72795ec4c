/** The shape of `GET /topology` and of `npm run sim -- --json`'s ready line (DESIGN 3.5). */
export interface TopologyView {
  controlUrl: string;
  relays: { id: string; publicUrl: string; connectorUrl: string; metricsUrl: string; pid: number | undefined; state: string }[];
  connectors: { id: string; group: string; metricsUrl: string; pid: number | undefined; state: string }[];
  backends: { id: string; url: string; metricsUrl: string; pid: number | undefined; state: string }[];
  apps: { name: string; group: string; externalUrl: string }[];
  /** The topology's `failover.mode`: what becomes of a dead connector's accepted requests. */
  failoverMode: 'appproxy' | 'resilient';
  /** With topology `tls: on`: the relay CA, which clients of the public HTTPS listener must trust. */
  tls?: { caCertificatePem: string };
}
