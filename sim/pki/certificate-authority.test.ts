import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority, CsrError } from './certificate-authority.ts';
import { createClientCsr } from './client-csr.ts';

test('the CA signs a CSR into a client certificate for the CSR subject, verifiable against the CA', async () => {
  const ca = await CertificateAuthority.create();
  const { csrPem } = await createClientCsr('connector-7');
  const issued = await ca.signClientCsr(csrPem, 600);
  const certificate = new X509Certificate(issued.certificatePem);
  assert.equal(issued.subjectCn, 'connector-7');
  assert.match(certificate.subject, /CN=connector-7/);
  assert.ok(certificate.verify(new X509Certificate(ca.certificatePem).publicKey));
  assert.ok(certificate.checkIssued(new X509Certificate(ca.certificatePem)));
  assert.equal(certificate.serialNumber.toUpperCase(), issued.serial);
  assert.ok(Math.abs(issued.notAfter.getTime() - (Date.now() - 60_000 + 600_000)) < 5000);
});

test('a CSR that is not PEM, or whose subject is not a connector id, is refused with a clear error', async () => {
  const ca = await CertificateAuthority.create();
  await assert.rejects(ca.signClientCsr('hello', 60), (err: CsrError) => err.code === 'bad_csr' && /PKCS#10/.test(err.message));
  const { csrPem } = await createClientCsr('bad id with spaces');
  await assert.rejects(ca.signClientCsr(csrPem, 60), /connector id/);
});

test('a CA restored from its PEM signs certificates that chain to the same CA', async () => {
  const original = await CertificateAuthority.create();
  const { certificatePem, keyPem } = original.toPem();
  const restored = await CertificateAuthority.fromPem(certificatePem, keyPem);
  const issued = await restored.signClientCsr((await createClientCsr('c1')).csrPem, 60);
  assert.ok(new X509Certificate(issued.certificatePem).checkIssued(new X509Certificate(original.certificatePem)));
});
