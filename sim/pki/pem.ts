import { createPrivateKey, webcrypto } from 'node:crypto';

/** The one key type the sim uses: ECDSA P-256 (what the relay's token service signs with too). */
export const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const EC_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** PKCS#8 PEM, the form Node's TLS takes for `key`. */
export async function privateKeyToPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function privateKeyFromPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}
