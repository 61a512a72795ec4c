import { isIP } from 'node:net';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from './x509.ts';
import { EC_SIGNING, generateKeyPair, privateKeyFromPem, privateKeyToPem } from './pem.ts';
import { SimError } from '../common/sim-error.ts';

/** A certificate the CA issued, as the relay hands it out and records it. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Upper-case hex, the form Node's `getPeerCertificate().serialNumber` reports. */
  readonly serial: string;
  readonly subjectCn: string;
  readonly notAfter: Date;
}

/** A server certificate with its key (the relay's TLS identity). */
export interface ServerIdentity {
  readonly certificatePem: string;
  readonly keyPem: string;
}

export class CsrError extends SimError<'bad_csr'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('bad_csr', message, options);
  }
}

const DAY_MS = 86_400_000;

/** Parses a PKCS#10 CSR in PEM; anything else is a `CsrError` (fuzzed: never another error). */
export function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CsrError(`the CSR does not parse as PKCS#10 PEM: ${(err as Error).message}`);
  }
}
/** Clocks of processes on one machine agree, but a connector's may lag a little in containers. */
const BACKDATE_MS = 60_000;

/**
 * The relay's certificate authority: it signs connector client certificates from their CSRs and the
 * relay's own server certificate. Every relay of one sim shares one CA, as one cloud service would.
 */
export class CertificateAuthority {
  readonly certificatePem: string;
  readonly #certificate: x509.X509Certificate;
  readonly #key: webcrypto.CryptoKey;
  readonly #keyPem: string;

  private constructor(certificate: x509.X509Certificate, key: webcrypto.CryptoKey, keyPem: string) {
    this.#certificate = certificate;
    this.certificatePem = certificate.toString('pem');
    this.#key = key;
    this.#keyPem = keyPem;
  }

  static async create(name = 'relay-sim connector CA', lifetimeDays = 3650): Promise<CertificateAuthority> {
    const keys = await generateKeyPair();
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${name}`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + lifetimeDays * DAY_MS),
      keys,
      signingAlgorithm: EC_SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(certificate, keys.privateKey, await privateKeyToPem(keys.privateKey));
  }

  static async fromPem(certificatePem: string, keyPem: string): Promise<CertificateAuthority> {
    return new CertificateAuthority(new x509.X509Certificate(certificatePem), await privateKeyFromPem(keyPem), keyPem);
  }

  /** What the relays' configuration carries so that every relay signs as the same CA. */
  toPem(): { certificatePem: string; keyPem: string } {
    return { certificatePem: this.certificatePem, keyPem: this.#keyPem };
  }

  /**
   * Signs a connector's CSR. The CSR's own signature must verify (proof that the connector holds the
   * key), and its subject CN becomes the connector id the relay binds the certificate to.
   */
  async signClientCsr(csrPem: string, lifetimeSeconds: number, notBefore = new Date(Date.now() - BACKDATE_MS)): Promise<IssuedCertificate> {
    const csr = parseCsr(csrPem);
    if (!(await csr.verify())) throw new CsrError('the CSR signature does not verify against its public key');
    const cn = csr.subjectName.getField('CN')[0];
    if (!cn || !/^[A-Za-z0-9._-]{1,64}$/.test(cn)) throw new CsrError('the CSR subject needs a CN that is a connector id (letters, digits, . _ -)');
    const notAfter = new Date(notBefore.getTime() + lifetimeSeconds * 1000);
    const certificate = await this.#issue(`CN=${cn}`, await csr.publicKey.export(), notBefore, notAfter, [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ]);
    return { certificatePem: certificate.toString('pem'), serial: certificate.serialNumber.toUpperCase(), subjectCn: cn, notAfter };
  }

  /** A server certificate for the relay's listeners, valid for the given host names and IPs. */
  async issueServerIdentity(hosts: readonly string[], lifetimeDays = 825): Promise<ServerIdentity> {
    const keys = await generateKeyPair();
    const now = Date.now();
    const names = hosts.map((host) => ({ type: isIP(host) ? ('ip' as const) : ('dns' as const), value: host }));
    const certificate = await this.#issue(`CN=${hosts[0] ?? 'relay'}`, keys.publicKey, new Date(now - BACKDATE_MS), new Date(now + lifetimeDays * DAY_MS), [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ]);
    return { certificatePem: certificate.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
  }

  async #issue(subject: string, publicKey: webcrypto.CryptoKey, notBefore: Date, notAfter: Date, extensions: x509.Extension[]): Promise<x509.X509Certificate> {
    return x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject,
      issuer: this.#certificate.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.#key,
      signingAlgorithm: EC_SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.#certificate),
        ...extensions,
      ],
    });
  }
}

/** 16 random bytes with the top bit clear: a positive serial of fixed length. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}
