/**
 * The producer side: builds task envelopes in the shape the handler reads, optionally
 * signed (see src/tasks/signature.ts for the wire form), with the backend trace context in
 * trace_id/span_id. Used by `npm run enqueue`, the fixture generator and tests.
 */
import { createHash, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { stringifyJson } from '../tracing/json-lossless.js';

export interface TaskSpec {
  id?: string;
  jobId?: string;
  bundleId?: string;
  name?: string;
  inputs: Record<string, unknown>;
  allowedCommands?: string[];
  allowedPaths?: string[];
  traceId?: bigint;
  spanId?: bigint;
  orgId?: number;
  client?: number;
}

/** How long a signed task stays valid unless the signer says otherwise: an hour. */
export const DEFAULT_SIGNED_VALIDITY_MS = 3_600_000;

export interface Signer {
  keyId: string;
  key: KeyObject;
  /** Epoch ms; default DEFAULT_SIGNED_VALIDITY_MS from now. */
  expiresAt?: number;
}

export const RUN_COMMAND = { bundleId: 'com.datadoghq.remoteaction.rshell', name: 'runCommand' };

/** The message body: a JSON string with ids as raw 64-bit integers. */
export function taskBody(spec: TaskSpec, signer?: Signer): string {
  const id = spec.id ?? randomUUID();
  const attributes: Record<string, unknown> = {
    name: spec.name ?? RUN_COMMAND.name,
    bundle_id: spec.bundleId ?? RUN_COMMAND.bundleId,
    inputs: spec.inputs,
  };
  if (spec.allowedCommands) attributes.allowed_commands = spec.allowedCommands;
  if (spec.allowedPaths) attributes.allowed_paths = spec.allowedPaths;
  if (spec.orgId !== undefined) attributes.org_id = spec.orgId;
  if (spec.client !== undefined) attributes.client = spec.client;
  const data = { id, type: 'task', attributes };

  const unsigned: Record<string, unknown> = { ...attributes, job_id: spec.jobId ?? randomUUID() };
  if (spec.traceId !== undefined) unsigned.trace_id = spec.traceId;
  if (spec.spanId !== undefined) unsigned.span_id = spec.spanId;
  if (signer) {
    // The expiry is part of what is signed (the PAR's PrivateActionTask carries it); the
    // envelope repeats it, as the PAR's does, but that copy is not what the runner reads.
    const expiresAt = signer.expiresAt ?? Date.now() + DEFAULT_SIGNED_VALIDITY_MS;
    const signedData = { data: { ...data, attributes: { ...attributes, expiration_time: new Date(expiresAt).toISOString() } } };
    unsigned.signed_envelope = signedEnvelope(Buffer.from(JSON.stringify(signedData)), { ...signer, expiresAt });
  }
  return stringifyJson({ data: { id, type: 'task', attributes: unsigned } });
}

export function signedEnvelope(data: Buffer, s: Signer): Record<string, unknown> {
  const type = s.key.asymmetricKeyType;
  const hash = createHash('sha256').update(data).digest();
  const signature = type === 'ed25519' ? sign(null, hash, s.key) : sign('sha256', data, s.key);
  return {
    data: data.toString('base64'),
    hash_type: 'SHA256',
    expiration_time: new Date(s.expiresAt ?? Date.now() + DEFAULT_SIGNED_VALIDITY_MS).toISOString(),
    signatures: [{ key_type: type === 'ed25519' ? 'ED25519' : 'X509_RSA', key_id: s.keyId, signature: signature.toString('base64') }],
  };
}

/** A random non-zero unsigned 64-bit id. */
export function randomId64(): bigint {
  for (;;) {
    const v = randomBytes(8).readBigUInt64BE();
    if (v > 1n) return v;
  }
}
