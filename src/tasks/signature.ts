/**
 * Signed tasks, verified as the PAR's task-verifier does: envelope present with data, at
 * least one signature and hash type SHA256; SHA-256 over `data`; not expired
 * (EXPIRED_TASK); the first signature whose key id is trusted (else
 * SIGNATURE_KEY_NOT_FOUND); matching key type and a valid signature (else SIGNATURE_ERROR).
 *
 * Wire form (JSON; the PAR's protobuf bytes are replaced by JSON bytes of the signed task):
 *   signed_envelope: { data: base64(JSON of {"data":{"id","type","attributes":{...}}}),
 *     hash_type: "SHA256" | 1, expiration_time: RFC 3339 | {seconds, nanos},
 *     signatures: [{ key_type: "ED25519" | 2 | "X509_RSA" | 1, key_id, signature: base64 }] }
 * Ed25519 signs the 32-byte hash itself; RSA is PKCS#1 v1.5 with SHA-256 over `data`.
 * What runs is the signed task, with job_id, trace_id and span_id from the unsigned wrapper.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { TaskError } from './errors.js';
import { parseJsonExact, stringifyJson } from '../tracing/json-lossless.js';
import { isEnvelopeIdPath, validateEnvelope, type Task } from './envelope.js';

export type KeyType = 'ED25519' | 'X509_RSA';

export interface TrustedKey {
  type: KeyType;
  key: KeyObject;
}

export type TrustedKeys = ReadonlyMap<string, TrustedKey>;

const KEY_TYPES: Record<string, KeyType> = { '1': 'X509_RSA', X509_RSA: 'X509_RSA', '2': 'ED25519', ED25519: 'ED25519' };

export function verifySignedTask(unsigned: Task, keys: TrustedKeys, nowMs: number): Task {
  const env = unsigned.signedEnvelope;
  if (!env) throw new TaskError('SIGNATURE_ERROR', 'task is not signed and signing keys are configured');
  const data = decodeBase64(env.data);
  if (!data || data.length === 0) throw new TaskError('SIGNATURE_ERROR', 'signed envelope has no data');
  const sigs = Array.isArray(env.signatures) ? (env.signatures as Record<string, unknown>[]) : [];
  if (sigs.length === 0) throw new TaskError('SIGNATURE_ERROR', 'signed envelope has no signatures');
  const hashType = String(env.hash_type ?? '');
  if (hashType !== 'SHA256' && hashType !== '1') {
    // stringifyJson: an integer past 2^53 is read as a bigint, which JSON.stringify throws on.
    throw new TaskError('SIGNATURE_ERROR', `unsupported hash type ${stringifyJson(env.hash_type ?? null)}`);
  }
  const hash = createHash('sha256').update(data).digest();

  // The PAR unmarshals the signed task before checking its expiry, then its signature. The
  // expiry read is the signed one: the envelope's own expiration_time is not covered by the
  // signature, and trusting it would let anyone replay an expired task by moving it forward.
  let signedRaw: unknown;
  try {
    signedRaw = parseJsonExact(data.toString('utf8'), undefined, isEnvelopeIdPath);
  } catch (err) {
    throw new TaskError('SIGNATURE_ERROR', `signed data is not valid JSON: ${(err as Error).message}`);
  }
  const signed = signedAttributes(signedRaw);
  const expiresAt = parseExpiration(signed?.expiration_time);
  if (expiresAt === undefined) throw new TaskError('EXPIRED_TASK', 'signed data has no valid expiration_time');
  if (expiresAt <= nowMs) throw new TaskError('EXPIRED_TASK', `task expired at ${new Date(expiresAt).toISOString()}`);

  const sig = sigs.find((s) => typeof s?.key_id === 'string' && keys.has(s.key_id));
  if (!sig) {
    const ids = sigs.map((s) => String(s?.key_id)).join(', ');
    throw new TaskError('SIGNATURE_KEY_NOT_FOUND', `no trusted key for key id(s): ${ids}`);
  }
  const trusted = keys.get(sig.key_id as string)!;
  const keyType = KEY_TYPES[String(sig.key_type)];
  if (keyType !== trusted.type) {
    throw new TaskError('SIGNATURE_ERROR', `key type ${String(sig.key_type)} does not match trusted key ${String(sig.key_id)}`);
  }
  const signature = decodeBase64(sig.signature);
  if (!signature || !verifyBytes(trusted, data, hash, signature)) {
    throw new TaskError('SIGNATURE_ERROR', `invalid signature for key id ${String(sig.key_id)}`);
  }

  // Dequeue-time metadata is not signed: it comes from the unsigned wrapper.
  const merged = signed === undefined ? signedRaw : withUnsignedMetadata(signedRaw as SignedTask, signed, unsigned);
  const parsed = validateEnvelope(merged);
  if (!parsed.ok) throw new TaskError('SIGNATURE_ERROR', `signed data: ${parsed.error}`);
  return parsed.task;
}

function verifyBytes(k: TrustedKey, data: Buffer, hash: Buffer, sig: Buffer): boolean {
  try {
    return k.type === 'ED25519' ? verify(null, hash, k.key, sig) : verify('sha256', data, k.key, sig);
  } catch {
    return false;
  }
}

/** `data.attributes` of the signed JSON, when it is an object. */
function signedAttributes(signedRaw: unknown): Record<string, unknown> | undefined {
  const d = (signedRaw as { data?: { attributes?: unknown } } | null)?.data;
  if (!d || typeof d !== 'object' || !d.attributes || typeof d.attributes !== 'object') return undefined;
  return d.attributes as Record<string, unknown>;
}

type SignedTask = { data: Record<string, unknown> };

/** The signed task with its `attributes` (`signed`) joined by the unsigned dequeue metadata. */
function withUnsignedMetadata(signedRaw: SignedTask, signed: Record<string, unknown>, unsigned: Task): unknown {
  const d = signedRaw.data;
  const attributes: Record<string, unknown> = { ...signed, job_id: unsigned.jobId };
  // All three come from the wrapper, as the PAR copies them: a signed trace_id or span_id
  // must not fill in for (or pair with) the wrapper's.
  delete attributes.trace_id;
  delete attributes.span_id;
  if (unsigned.traceId !== 0n) attributes.trace_id = unsigned.traceId;
  if (unsigned.spanId !== 0n) attributes.span_id = unsigned.spanId;
  delete attributes.signed_envelope;
  return { data: { ...d, attributes } };
}

function decodeBase64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return undefined;
  return Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
}

/** A full RFC 3339 date-time with its offset: nothing Date.parse would read in local time. */
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/**
 * Whether the date and hour exist. Date.parse checks the other fields but rolls a 30 February
 * or a 31 April into the next month and reads hour 24 as the next midnight; Go's RFC 3339
 * parser (the PAR's) refuses all three, so a signer's typo is not a different expiry here.
 */
function dayAndHourExist(m: RegExpExecArray): boolean {
  const year = Number(m[1]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = m[2] === '02' ? (leap ? 29 : 28) : DAYS_IN_MONTH[Number(m[2]) - 1];
  return Number(m[3]) <= daysInMonth && Number(m[4]) <= 23;
}

/** Days per month (February's in a common year). A month out of range reads undefined, which no day is `<=`. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 string or protobuf Timestamp JSON ({seconds, nanos}); epoch ms. */
export function parseExpiration(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = RFC3339.exec(v);
    const t = m !== null && dayAndHourExist(m) ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? undefined : t;
  }
  if (v && typeof v === 'object') {
    const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
    const s = typeof seconds === 'string' ? Number(seconds) : typeof seconds === 'bigint' ? Number(seconds) : seconds;
    if (typeof s !== 'number' || !Number.isFinite(s)) return undefined;
    const n = typeof nanos === 'number' ? nanos : 0;
    if (!Number.isFinite(n)) return undefined;
    const t = s * 1000 + Math.floor(n / 1e6);
    // Beyond what a date can hold (±8.64e15 ms) is no time at all: refused as invalid, not
    // left to throw when the expiry is written into the error.
    return Math.abs(t) <= MAX_DATE_MS ? t : undefined;
  }
  return undefined;
}

const MAX_DATE_MS = 8.64e15;
