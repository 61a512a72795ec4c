import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority } from '../../sim/pki/certificate-authority.ts';

/**
 * A TLS-inspecting forward proxy, as corporate networks run them: it accepts CONNECT, terminates
 * the client's TLS with a certificate its own CA signed, and opens its own TLS to the real target.
 * Loopback targets only.
 */
export class InspectingProxy {
  readonly #server = http.createServer((_req, res) => res.writeHead(405).end());
  readonly #sockets = new Set<net.Socket>();
  /** CONNECT authorities asked for, in order. */
  readonly connects: string[] = [];
  #identity: { certificatePem: string; keyPem: string } | undefined;

  async start(): Promise<string> {
    const ca = await CertificateAuthority.create('Contoso TLS Inspection CA');
    this.#identity = await ca.issueServerIdentity(['127.0.0.1', 'localhost']);
    this.#server.on('connect', (req: http.IncomingMessage, client: net.Socket) => this.#intercept(req, client));
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  #intercept(req: http.IncomingMessage, client: net.Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    const [host, port] = (req.url ?? '').split(':');
    this.connects.push(req.url ?? '');
    if (host !== '127.0.0.1' && host !== 'localhost') return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const inspected = new tls.TLSSocket(client, {
      isServer: true,
      key: this.#identity!.keyPem,
      cert: this.#identity!.certificatePem,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    inspected.on('error', () => client.destroy());
    inspected.once('secure', () => {
      const upstream = tls.connect({ host, port: Number(port), rejectUnauthorized: false, ALPNProtocols: [inspected.alpnProtocol || 'http/1.1'] });
      upstream.on('error', () => inspected.destroy());
      inspected.pipe(upstream).pipe(inspected);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    // Connections not yet past their CONNECT are the server's, not in #sockets: without this, a
    // connector redialling at teardown kept close() waiting until the file's 240 s timeout.
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
