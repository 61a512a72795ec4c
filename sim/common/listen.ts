import type { Server as NetServer, AddressInfo } from 'node:net';

/** Listens and resolves with the bound port, so callers can pass port 0 and learn the real one. */
export function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and resolves once every connection is gone. Idempotent. */
export function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    const maybeHttp = server as NetServer & { closeIdleConnections?: () => void };
    maybeHttp.closeIdleConnections?.();
  });
}
