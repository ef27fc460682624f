/**
 * Trusted task-signing keys from TASK_SIGNING_KEYS: a JSON object of key id → PEM public
 * key (Ed25519 or RSA, SPKI), or the ARN of a Secrets Manager secret whose string is that
 * JSON. Read once per container.
 */
import { createPublicKey } from 'node:crypto';
import type { TrustedKey, TrustedKeys } from './signature.js';

export function parseSigningKeys(json: string, source = 'TASK_SIGNING_KEYS'): TrustedKeys {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    throw new Error(`${source}: not valid JSON (expected {"<key id>": "<PEM public key>"})`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new Error(`${source}: expected a JSON object of key id to PEM public key`);
  }
  const keys = new Map<string, TrustedKey>();
  for (const [id, pem] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof pem !== 'string') throw new Error(`${source}: key "${id}" is not a PEM string`);
    let key;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new Error(`${source}: key "${id}" is not a valid public key`);
    }
    const t = key.asymmetricKeyType;
    if (t === 'ed25519') keys.set(id, { type: 'ED25519', key });
    else if (t === 'rsa') keys.set(id, { type: 'X509_RSA', key });
    else throw new Error(`${source}: key "${id}" has unsupported type ${t} (use Ed25519 or RSA)`);
  }
  if (keys.size === 0) throw new Error(`${source}: no keys (leave ${source} out to run unsigned tasks)`);
  return keys;
}
