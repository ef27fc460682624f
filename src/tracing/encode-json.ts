/**
 * Span → JSON bytes, written by hand so that 64-bit ids and ns timestamps are emitted as raw
 * decimal numbers straight from exact integer digits (JSON.stringify would need a JS number
 * and lose precision above 2^53). Key order follows the Go mini-tracer's struct.
 */
import { ByteWriter, EncodedStringCache } from './byte-writer.js';
import { msParts, splitMs } from './clock.js';
import type { RecordingSpan } from './span.js';
import type { SpanStore } from './span-store.js';

/** Span-level defaults added at encode time (never overriding a tag set on the span). */
export interface EncodeDefaults {
  env?: string;
  version?: string;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const K_SPAN_ID = ascii(',"span_id":');
const K_PARENT_ID = ascii(',"parent_id":');
const K_START = ascii(',"start":');
const K_DURATION = ascii(',"duration":');
const ERROR_0_META = ascii(',"error":0,"meta":{');
const ERROR_1_META = ascii(',"error":1,"meta":{');
const ERROR_0_METRICS = ascii(',"error":0,"metrics":{');
const ERROR_1_METRICS = ascii(',"error":1,"metrics":{');
const META_END_METRICS = ascii('},"metrics":{');
const K_ENV = ascii(',"env":');
const K_VERSION = ascii(',"version":');
const K_PRIORITY = ascii(',"_sampling_priority_v1":');
const END_TYPE = ascii('},"type":""},');

/*
 * Encoded-bytes caches. Each holds a string together with the constant JSON around it, so a
 * typical span is a dozen copies of cached bytes plus its digits. Keys carry a leading ','
 * that the first entry of an object skips.
 */
const serviceHead = new EncodedStringCache((s) => utf8('{"service":' + JSON.stringify(s) + ',"name":'));
const nameHead = new EncodedStringCache((s) => utf8(JSON.stringify(s) + ',"resource":'));
const resourceHead = new EncodedStringCache((s) => utf8(JSON.stringify(s) + ',"trace_id":'));
const keyBytes = new EncodedStringCache((s) => utf8(',' + JSON.stringify(s) + ':'));
const valueBytes = new EncodedStringCache((s) => utf8(JSON.stringify(s)));

/** Writes cached bytes (from offset `from`), or builds the same text when not cacheable. */
function cached(w: ByteWriter, cache: EncodedStringCache, s: string, from: number, text: (s: string) => string): void {
  const b = cache.get(s);
  if (b !== undefined) w.bytesFrom(b, from);
  else w.utf8(text(s).slice(from));
}

const serviceText = (s: string): string => '{"service":' + JSON.stringify(s) + ',"name":';
const nameText = (s: string): string => JSON.stringify(s) + ',"resource":';
const resourceText = (s: string): string => JSON.stringify(s) + ',"trace_id":';
const keyText = (s: string): string => ',' + JSON.stringify(s) + ':';
const valueText = (s: string): string => JSON.stringify(s);

/** Finite numbers only reach here (setTag drops NaN/Infinity); -0 becomes 0. */
function num(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v)) {
    if (v < 0) {
      w.byte(0x2d);
      w.uintDigits(-v);
    } else w.uintDigits(v);
  } else w.ascii(String(v));
}

/** Epoch ms (fractional) as exact epoch-ns digits; negative clamps to 0. */
function nsFromMs(w: ByteWriter, ms: number): void {
  splitMs(ms);
  const { whole, frac } = msParts;
  if (whole < 0) w.byte(0x30);
  else if (whole === 0) w.uintDigits(frac);
  else {
    w.uintDigits(whole);
    w.padDigits(frac, 6);
  }
}

/**
 * Width of the priority field. Priorities are int32 (the tracer clamps them), at most 11
 * characters; shorter values are padded with spaces (JSON whitespace) so that a flush can
 * rewrite a stale value in place.
 */
export const PRIORITY_WIDTH = 11;

/** Writes a priority padded to PRIORITY_WIDTH at `at` (used to patch a stale value). */
export function writeJsonPriority(buf: Buffer, at: number, priority: number): void {
  const text = String(priority);
  buf.write(text, at, 'latin1');
  buf.fill(0x20, at + text.length, at + PRIORITY_WIDTH);
}

/** Padded priority followed by the span's closing bytes, per priority value. */
const priorityTails = new Map<number, Buffer>();
function priorityTail(priority: number): Buffer {
  let t = priorityTails.get(priority);
  if (t === undefined) {
    t = Buffer.alloc(PRIORITY_WIDTH + END_TYPE.length);
    writeJsonPriority(t, 0, priority);
    END_TYPE.copy(t, PRIORITY_WIDTH);
    if (priorityTails.size < 64) priorityTails.set(priority, t);
  }
  return t;
}

/** Last trace / parent id written, as digits: siblings share both, so this skips most id printing. */
const lastTrace = { hi: -1, lo: -1, digits: Buffer.alloc(20), len: 0 };
const lastParent = { hi: -1, lo: -1, digits: Buffer.alloc(20), len: 0 };

function id(w: ByteWriter, hi: number, lo: number, last: typeof lastTrace): void {
  if (last.hi === hi && last.lo === lo) {
    w.bytesN(last.digits, last.len);
    return;
  }
  const from = w.pos;
  w.uint64Digits(hi, lo);
  last.len = w.buf.copy(last.digits, 0, from, w.pos);
  last.hi = hi;
  last.lo = lo;
}

/**
 * Appends one span's JSON followed by ','. Returns the offset of its priority value from the
 * span start, or -1 when the span set `_sampling_priority_v1` itself.
 */
export function writeSpanJson(w: SpanStore, span: RecordingSpan, d: EncodeDefaults): number {
  cached(w, serviceHead, span.service, 0, serviceText);
  cached(w, nameHead, span.name, 0, nameText);
  cached(w, resourceHead, span.resource, 0, resourceText);
  id(w, span.trace.hi, span.trace.lo, lastTrace);
  w.bytes(K_SPAN_ID);
  w.uint64Digits(span.idHi, span.idLo);
  w.bytes(K_PARENT_ID);
  id(w, span.parentHi, span.parentLo, lastParent);
  w.bytes(K_START);
  nsFromMs(w, span.startMs);
  w.bytes(K_DURATION);
  w.uintDigits(span.durationNs);

  const tags = span.tags;
  let hasEnv = false;
  let hasVersion = false;
  let hasPriority = false;
  let metaCount = 0;
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i += 2) {
      const k = tags[i];
      if (typeof tags[i + 1] === 'string') {
        metaCount++;
        if (k === 'env') hasEnv = true;
        else if (k === 'version') hasVersion = true;
      } else if (k === '_sampling_priority_v1') hasPriority = true;
    }
  }
  const addEnv = d.env !== undefined && !hasEnv;
  const addVersion = d.version !== undefined && !hasVersion;
  if (metaCount > 0 || addEnv || addVersion) {
    w.bytes(span.error === 1 ? ERROR_1_META : ERROR_0_META);
    let from = 1; // the first entry skips its leading ','
    if (tags !== undefined) {
      for (let i = 0; i < tags.length; i += 2) {
        const v = tags[i + 1];
        if (typeof v !== 'string') continue;
        cached(w, keyBytes, tags[i] as string, from, keyText);
        from = 0;
        cached(w, valueBytes, v, 0, valueText);
      }
    }
    if (addEnv) {
      w.bytesFrom(K_ENV, from);
      from = 0;
      cached(w, valueBytes, d.env as string, 0, valueText);
    }
    if (addVersion) {
      w.bytesFrom(K_VERSION, from);
      cached(w, valueBytes, d.version as string, 0, valueText);
    }
    w.bytes(META_END_METRICS);
  } else {
    w.bytes(span.error === 1 ? ERROR_1_METRICS : ERROR_0_METRICS);
  }

  let from = 1;
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i += 2) {
      const v = tags[i + 1];
      if (typeof v !== 'number') continue;
      cached(w, keyBytes, tags[i] as string, from, keyText);
      from = 0;
      num(w, v);
    }
  }
  if (hasPriority) {
    w.bytes(END_TYPE);
    return -1;
  }
  w.bytesFrom(K_PRIORITY, from);
  const at = w.spanOffset();
  w.bytes(priorityTail(span.trace.priority));
  return at;
}
