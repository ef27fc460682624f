/**
 * Span → JSON bytes, written by hand so that 64-bit ids and ns timestamps are emitted as raw
 * decimal numbers straight from exact integer digits (JSON.stringify would need a JS number
 * and lose precision above 2^53). Key order follows the Go mini-tracer's struct.
 */
import { ByteWriter, EncodedStringCache } from './byte-writer.js';
import type { RecordingSpan } from './span.js';
import type { SpanStore } from './span-store.js';

/** Span-level defaults added at encode time (never overriding a tag set on the span). */
export interface EncodeDefaults {
  env?: string;
  version?: string;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const K_SERVICE = ascii('{"service":');
const K_NAME = ascii(',"name":');
const K_RESOURCE = ascii(',"resource":');
const K_TRACE_ID = ascii(',"trace_id":');
const K_SPAN_ID = ascii(',"span_id":');
const K_PARENT_ID = ascii(',"parent_id":');
const K_START = ascii(',"start":');
const K_DURATION = ascii(',"duration":');
const K_ERROR_0 = ascii(',"error":0');
const K_ERROR_1 = ascii(',"error":1');
const K_META = ascii(',"meta":{');
const K_METRICS = ascii(',"metrics":{');
const K_ENV = ascii('"env":');
const K_VERSION = ascii('"version":');
const K_PRIORITY = ascii('"_sampling_priority_v1":');
const END_TYPE = ascii('},"type":""},');
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE_BRACE = 0x7d;

/** Quoted JSON strings for keys, names, services and repeated tag values. */
const jsonStrings = new EncodedStringCache((s) => Buffer.from(JSON.stringify(s), 'utf8'));

function str(w: ByteWriter, s: string): void {
  const cached = jsonStrings.get(s);
  if (cached !== undefined) w.bytes(cached);
  else w.utf8(JSON.stringify(s));
}

/** Finite numbers only reach here (setTag drops NaN/Infinity); -0 becomes 0. */
function num(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v)) {
    if (v < 0) {
      w.byte(0x2d);
      w.uintDigits(-v);
    } else w.uintDigits(v);
  } else w.ascii(String(v));
}

/** Epoch ms (fractional) as exact epoch-ns digits. */
function nsFromMs(w: ByteWriter, ms: number): void {
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
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

/** Writes a priority padded to PRIORITY_WIDTH at `at` (used at encode and to patch). */
export function writeJsonPriority(buf: Buffer, at: number, priority: number): void {
  const text = String(priority);
  buf.write(text, at, 'latin1');
  buf.fill(0x20, at + text.length, at + PRIORITY_WIDTH);
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
  w.bytes(K_SERVICE);
  str(w, span.service);
  w.bytes(K_NAME);
  str(w, span.name);
  w.bytes(K_RESOURCE);
  str(w, span.resource);
  w.bytes(K_TRACE_ID);
  id(w, span.trace.hi, span.trace.lo, lastTrace);
  w.bytes(K_SPAN_ID);
  w.uint64Digits(span.idHi, span.idLo);
  w.bytes(K_PARENT_ID);
  id(w, span.parentHi, span.parentLo, lastParent);
  w.bytes(K_START);
  nsFromMs(w, span.startMs);
  w.bytes(K_DURATION);
  w.uintDigits(span.durationNs);
  w.bytes(span.error === 1 ? K_ERROR_1 : K_ERROR_0);

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
    w.bytes(K_META);
    let first = true;
    if (tags !== undefined) {
      for (let i = 0; i < tags.length; i += 2) {
        const v = tags[i + 1];
        if (typeof v !== 'string') continue;
        if (!first) w.byte(COMMA);
        first = false;
        str(w, tags[i] as string);
        w.byte(COLON);
        str(w, v);
      }
    }
    if (addEnv) {
      if (!first) w.byte(COMMA);
      first = false;
      w.bytes(K_ENV);
      str(w, d.env as string);
    }
    if (addVersion) {
      if (!first) w.byte(COMMA);
      w.bytes(K_VERSION);
      str(w, d.version as string);
    }
    w.byte(CLOSE_BRACE);
  }

  w.bytes(K_METRICS);
  let first = true;
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i += 2) {
      const v = tags[i + 1];
      if (typeof v !== 'number') continue;
      if (!first) w.byte(COMMA);
      first = false;
      str(w, tags[i] as string);
      w.byte(COLON);
      num(w, v);
    }
  }
  if (hasPriority) {
    w.bytes(END_TYPE);
    return -1;
  }
  if (!first) w.byte(COMMA);
  w.bytes(K_PRIORITY);
  const at = w.spanOffset();
  w.ensure(PRIORITY_WIDTH);
  writeJsonPriority(w.buf, w.pos, span.trace.priority);
  w.pos += PRIORITY_WIDTH;
  w.bytes(END_TYPE);
  return at;
}
