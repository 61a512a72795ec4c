import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * What every relay instance of one simulated service shares, as App Proxy's instances behind
 * Azure's load balancer do: the key that seals session cookies and the key that signs tokens. The
 * sim controller draws them once and hands them to every relay in its config, so a session opened
 * on one instance works on all of them. A relay started alone draws its own.
 */
export const ServiceKeys = z.object({
  /** AES-256-GCM key for session cookies, base64 (32 bytes). */
  cookieKey: z
    .string()
    .base64()
    .refine((text) => Buffer.from(text, 'base64').length === 32, 'must be 32 bytes, base64'),
  /** ES256 (P-256) private key, PKCS#8 PEM: signs the tokens of `POST /_relay/sts/token`. */
  tokenSigningKeyPem: z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }),
  /** Token issuer: the service, not one instance. */
  issuer: z.string().min(1),
});
export type ServiceKeys = z.infer<typeof ServiceKeys>;

export function generateServiceKeys(issuer = 'relay-sim'): ServiceKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    cookieKey: randomBytes(32).toString('base64'),
    tokenSigningKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issuer,
  };
}

/** The keys as the cookie sealer and the token service use them. */
export function serviceKeyObjects(keys: ServiceKeys): { cookieKey: Buffer; signing: { privateKey: KeyObject; publicKey: KeyObject }; issuer: string } {
  const privateKey = createPrivateKey(keys.tokenSigningKeyPem);
  return { cookieKey: Buffer.from(keys.cookieKey, 'base64'), signing: { privateKey, publicKey: createPublicKey(privateKey) }, issuer: keys.issuer };
}
