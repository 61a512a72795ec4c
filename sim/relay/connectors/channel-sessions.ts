import type { ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

/** The subject CN of the client certificate a data-plane session was opened with. */
function certificateCn(session: ServerHttp2Session): string | undefined {
  const socket = session.socket as Partial<TLSSocket>;
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  return cn === undefined ? undefined : String(cn);
}

/**
 * A control channel's HTTP/2 data-plane sessions: bound on first use, destroyed with the channel.
 * With mutual TLS a session must carry the certificate of the channel's connector: a data token
 * alone is not enough. Checked once per session, not per stream.
 */
export class ChannelSessions {
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #certifiedId: string | undefined;

  /** @param certifiedId the connector id the channel's certificate proves (mutual TLS only) */
  constructor(certifiedId: string | undefined) {
    this.#certifiedId = certifiedId;
  }

  /** Binds `session`; false (nothing bound) when its certificate is another connector's. */
  adopt(session: ServerHttp2Session, channelClosed: boolean): boolean {
    if (this.#sessions.has(session)) return true;
    if (this.#certifiedId !== undefined && certificateCn(session) !== this.#certifiedId) return false;
    if (channelClosed) {
      session.destroy();
      return true;
    }
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    return true;
  }

  destroyAll(): void {
    for (const session of this.#sessions) session.destroy();
  }
}
