import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

type CreateConnection = (options: http.ClientRequestArgs, callback: (err: Error | null, socket: Duplex) => void) => Duplex;

/**
 * A keep-alive agent for a service with several relay instances: each new connection goes to the
 * next instance in turn, whatever host the request names, as Azure's load balancer spreads users
 * over App Proxy's instances (per connection, not per request). Requests then reuse their
 * connection, so each instance's share follows the connections it was given. The Host header and
 * TLS server name stay the app's.
 */
export function spreadingAgent(instances: readonly URL[], options: { maxSockets: number; ca?: string | undefined }): http.Agent {
  const secure = instances[0]?.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ...(options.ca ? { ca: options.ca } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  if (instances.length < 2) return agent;
  const open = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  let next = 0;
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (connectOptions, callback) => {
    const instance = instances[next++ % instances.length]!;
    return open({ ...connectOptions, host: instance.hostname, port: Number(instance.port) }, callback);
  };
  return agent;
}
