import tls from 'node:tls';
import { CONTROL_PATH } from '../../sim/protocol/data-plane-paths.ts';

export interface ClientCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** What became of a control-channel upgrade: cut before any HTTP byte came back, or an HTTP status. */
export type UpgradeOutcome = { readonly cut: true } | { readonly cut: false; readonly status: number; readonly socket: tls.TLSSocket };

/**
 * Opens a real TLS connection to a relay's connector endpoint (optionally with a client
 * certificate) and asks for the control WebSocket, as a connector would. Bounded by `timeoutMs`.
 */
export function tryControlUpgrade(connectorUrl: string, caPem: string, certificate?: ClientCertificate, timeoutMs = 5000): Promise<UpgradeOutcome> {
  const url = new URL(connectorUrl);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port),
      ca: [caPem],
      ALPNProtocols: ['http/1.1'],
      ...(certificate ? { cert: certificate.certificatePem, key: certificate.keyPem } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${connectorUrl} within ${timeoutMs} ms`));
    }, timeoutMs);
    let received = '';
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${CONTROL_PATH} HTTP/1.1\r\nhost: relay\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: ${Buffer.alloc(16, 1).toString('base64')}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (statusLine) {
        clearTimeout(timer);
        socket.removeAllListeners('data');
        resolve({ cut: false, status: Number(statusLine[1]), socket });
      }
    });
    // A refused certificate shows up as a reset or a close with nothing received.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      if (!received) resolve({ cut: true });
    });
  });
}
