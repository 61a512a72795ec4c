import type http from 'node:http';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { JsonBodyError, readJsonBody, sendJson } from '../../common/json-http.ts';
import type { Logger } from '../../common/logger.ts';
import { CertificateAuthority, CsrError } from '../../pki/certificate-authority.ts';
import { REGISTRATION_PATHS } from '../../protocol/data-plane-paths.ts';
import type { RelayTlsSettings } from '../relay-config.ts';
import type { RelayMetrics } from '../relay-metrics.ts';
import type { HandshakeRefusal } from '../../protocol/errors.ts';

/** A CSR is a few hundred bytes; anything near this is not one. */
const MAX_BODY_BYTES = 16 * 1024;

/** Why a connector's TLS connection was cut right after the handshake. */

/** The identity a verified client certificate proves. */
export interface ConnectorIdentity {
  readonly connectorId: string;
  readonly serial: string;
}

/**
 * Connector certificates at the relay (App Proxy registration): an administrator's token plus a CSR
 * buys a client certificate signed by the relay CA; a connector renews with its current certificate;
 * an administrator revokes. Every TLS connection to the connector endpoint is checked here.
 */
export class ConnectorCertificates {
  readonly #settings: RelayTlsSettings;
  readonly #metrics: RelayMetrics;
  readonly #log: Logger;
  readonly #adminAuth: Buffer;
  readonly #revoked = new Set<string>();
  /** Serials this relay issued or verified, by connector id, so "revoke connector X" can find them. */
  readonly #known = new Map<string, Set<string>>();
  readonly #onRevoked: (serials: ReadonlySet<string>) => void;
  #ca: CertificateAuthority | undefined;

  /** @param onRevoked cuts live connections that authenticated with a now-revoked certificate */
  constructor(settings: RelayTlsSettings, metrics: RelayMetrics, log: Logger, onRevoked: (serials: ReadonlySet<string>) => void) {
    this.#settings = settings;
    this.#metrics = metrics;
    this.#log = log;
    this.#adminAuth = Buffer.from(`Bearer ${settings.adminToken}`);
    this.#onRevoked = onRevoked;
    for (const kind of ['register', 'renew']) metrics.certificatesIssued.inc({ kind }, 0);
  }

  async start(): Promise<void> {
    this.#ca = await CertificateAuthority.fromPem(this.#settings.ca.certificatePem, this.#settings.ca.keyPem);
  }

  /**
   * Judges a finished handshake. Node verified the chain and validity against the CA already
   * (`authorized`); revocation is ours. Returns why the connection must be cut, or the identity.
   */
  judge(socket: TLSSocket): { refused: HandshakeRefusal; detail: string } | { identity: ConnectorIdentity | undefined } {
    const peer = socket.getPeerCertificate();
    if (!peer?.subject) return { identity: undefined };
    if (!socket.authorized) {
      const error = String(socket.authorizationError ?? 'unverified');
      return { refused: refusalOf(error), detail: `${error} (subject ${peer.subject?.CN ?? '?'}, issuer ${peer.issuer?.CN ?? '?'})` };
    }
    if (this.#revoked.has(peer.serialNumber)) return { refused: 'revoked', detail: `certificate ${peer.serialNumber} of ${peer.subject.CN} is revoked` };
    if (!peer.subject.CN) return { identity: undefined };
    const identity = identityOf(peer);
    this.#remember(identity.connectorId, identity.serial); // another relay may have issued it
    return { identity };
  }

  countRefusal(reason: HandshakeRefusal, detail: string): void {
    this.#metrics.handshakesRefused.inc({ reason });
    this.#log.warn({ reason, detail }, 'connector TLS connection refused');
  }

  /** Serves the registration API on the connector endpoint; false for any other path. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, identity: ConnectorIdentity | undefined): boolean {
    const path = (req.url ?? '').split('?')[0];
    const action = Object.entries(REGISTRATION_PATHS).find(([, p]) => p === path)?.[0];
    if (!action) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `use POST ${path}` });
      return true;
    }
    const work = action === 'register' ? this.#register(req, res) : action === 'renew' ? this.#renew(req, res, identity) : this.#revoke(req, res);
    work.catch((err: Error) => {
      const status = err instanceof JsonBodyError || err instanceof CsrError ? 400 : 500;
      sendJson(res, status, { error: err.message, code: status === 400 ? 'bad_request' : 'internal' });
    });
    return true;
  }

  async #register(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.#isAdmin(req)) return sendJson(res, 401, { error: 'registration needs the administrator token as a bearer', code: 'unauthorized' });
    const { csr } = csrBody(await readJsonBody(req, MAX_BODY_BYTES));
    await this.#issue(res, csr, 'register');
  }

  /** Renewal authenticates with the current certificate; the new one must be for the same connector. */
  async #renew(req: http.IncomingMessage, res: http.ServerResponse, identity: ConnectorIdentity | undefined): Promise<void> {
    if (!identity) return sendJson(res, 401, { error: 'renewal needs the current client certificate (mutual TLS)', code: 'unauthorized' });
    const { csr } = csrBody(await readJsonBody(req, MAX_BODY_BYTES));
    await this.#issue(res, csr, 'renew', identity.connectorId);
  }

  async #revoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.#isAdmin(req)) return sendJson(res, 401, { error: 'revocation needs the administrator token as a bearer', code: 'unauthorized' });
    const body = (await readJsonBody(req, MAX_BODY_BYTES)) as { serial?: unknown; connectorId?: unknown } | null;
    const serials = new Set<string>();
    if (typeof body?.serial === 'string') serials.add(body.serial.toUpperCase());
    if (typeof body?.connectorId === 'string') for (const serial of this.#known.get(body.connectorId) ?? []) serials.add(serial);
    if (serials.size === 0)
      return sendJson(res, 404, { error: 'give {"serial"}, or the {"connectorId"} of a connector this relay registered or has seen', code: 'not_found' });
    for (const serial of serials) this.#revoked.add(serial);
    this.#log.warn({ serials: [...serials] }, 'connector certificates revoked');
    this.#onRevoked(serials);
    sendJson(res, 200, { revoked: [...serials] });
  }

  async #issue(res: http.ServerResponse, csr: string, kind: 'register' | 'renew', mustBeFor?: string): Promise<void> {
    const issued = await this.#ca!.signClientCsr(csr, this.#settings.clientCertificateLifetimeSeconds);
    if (mustBeFor !== undefined && issued.subjectCn !== mustBeFor) {
      return sendJson(res, 403, { error: `a certificate for ${mustBeFor} can only renew ${mustBeFor}, not ${issued.subjectCn}`, code: 'forbidden' });
    }
    this.#remember(issued.subjectCn, issued.serial);
    this.#metrics.certificatesIssued.inc({ kind });
    this.#log.info({ connector: issued.subjectCn, serial: issued.serial, kind, notAfter: issued.notAfter }, 'connector certificate issued');
    sendJson(res, 201, {
      certificate: issued.certificatePem,
      caCertificate: this.#ca!.certificatePem,
      serial: issued.serial,
      notAfter: issued.notAfter.toISOString(),
    });
  }

  #remember(connectorId: string, serial: string): void {
    const serials = this.#known.get(connectorId) ?? new Set<string>();
    serials.add(serial);
    this.#known.set(connectorId, serials);
  }

  #isAdmin(req: http.IncomingMessage): boolean {
    const auth = Buffer.from(req.headers.authorization ?? '');
    return auth.length === this.#adminAuth.length && timingSafeEqual(auth, this.#adminAuth);
  }
}

function identityOf(peer: PeerCertificate): ConnectorIdentity {
  return { connectorId: String(peer.subject.CN), serial: peer.serialNumber };
}

function csrBody(body: unknown): { csr: string } {
  const csr = (body as { csr?: unknown } | null)?.csr;
  if (typeof csr !== 'string') throw new CsrError('the body must be {"csr": "<PKCS#10 PEM>"}');
  return { csr };
}

/** OpenSSL's verify errors, grouped into the reasons an operator acts on. */
function refusalOf(error: string): HandshakeRefusal {
  if (error === 'CERT_HAS_EXPIRED') return 'expired';
  if (error === 'CERT_NOT_YET_VALID') return 'not_yet_valid';
  if (/UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|SELF_SIGNED|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED/.test(error)) return 'unknown_ca';
  return 'invalid';
}
