import * as x509 from './x509.ts';
import { EC_SIGNING, generateKeyPair, privateKeyToPem } from './pem.ts';

/** A fresh key pair and a CSR for it, as a connector sends to register or renew. */
export async function createClientCsr(connectorId: string): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${connectorId}`, keys, signingAlgorithm: EC_SIGNING });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
