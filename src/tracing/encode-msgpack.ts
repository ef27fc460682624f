/**
 * Minimal MessagePack writer for the agent's v0.4 span shape: maps, arrays, UTF-8 strings,
 * uint64 ids (0xcf), int64 times (0xd3), small ints and float64 metrics (0xcb). Only what the
 * span model needs, so the tracer keeps zero runtime dependencies.
 */
import { ByteWriter, EncodedStringCache } from './byte-writer.js';
import { msToNs } from './clock.js';
import type { EncodeDefaults } from './encode-json.js';
import type { RecordingSpan } from './span.js';
import type { SpanStore } from './span-store.js';

export class MsgpackWriter extends ByteWriter {
  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = 0xdc;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdd;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = 0xde;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdf;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  str(s: string): void {
    const cached = msgpackStrings.get(s);
    if (cached !== undefined) {
      this.bytes(cached);
      return;
    }
    this.strUncached(s);
  }

  strUncached(s: string): void {
    // Worst case 3 UTF-8 bytes per UTF-16 unit, plus the 5-byte header.
    this.ensure(s.length * 3 + 5);
    let len: number;
    if (s.length < 32) {
      // Guess fixstr; fall back to a wider header if the UTF-8 form turns out longer.
      const start = this.pos + 1;
      len = this.buf.write(s, start, 'utf8');
      if (len < 32) {
        this.buf[this.pos] = 0xa0 | len;
        this.pos = start + len;
        return;
      }
    } else {
      len = Buffer.byteLength(s, 'utf8');
    }
    if (len < 0x100) {
      this.buf[this.pos++] = 0xd9;
      this.buf[this.pos++] = len;
    } else if (len < 0x10000) {
      this.buf[this.pos++] = 0xda;
      this.buf.writeUInt16BE(len, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdb;
      this.buf.writeUInt32BE(len, this.pos);
      this.pos += 4;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  uint64(v: bigint): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcf;
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** uint64 from its halves (0xcf). */
  uint64Parts(hi: number, lo: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcf;
    this.buf.writeUInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(lo, this.pos + 4);
    this.pos += 8;
  }

  /** Non-negative safe integer as int64 (0xd3). */
  int64Safe(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xd3;
    this.buf.writeUInt32BE(Math.floor(v / 4294967296), this.pos);
    this.buf.writeUInt32BE(v % 4294967296, this.pos + 4);
    this.pos += 8;
  }

  int64(v: bigint): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xd3;
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** Non-negative integer below 128 (positive fixint). */
  fixint(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0x7f;
  }

  float64(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
}

/** Encoded msgpack strings for keys, names, services and repeated tag values. */
const msgpackStrings = new EncodedStringCache((s) => {
  const w = new MsgpackWriter(s.length * 3 + 8);
  w.strUncached(s);
  return Buffer.from(w.buf.subarray(0, w.pos));
});

/**
 * Appends one span as a 12-key map, the v0.4 agent shape. Returns the offset of its priority
 * value (a float64, patchable in place) from the span start, or -1 when the span set
 * `_sampling_priority_v1` itself.
 */
export function writeSpanMsgpack(w: SpanStore, span: RecordingSpan, d: EncodeDefaults): number {
  w.mapHeader(12);
  w.str('service');
  w.str(span.service);
  w.str('name');
  w.str(span.name);
  w.str('resource');
  w.str(span.resource);
  w.str('trace_id');
  w.uint64Parts(span.trace.hi, span.trace.lo);
  w.str('span_id');
  w.uint64Parts(span.idHi, span.idLo);
  w.str('parent_id');
  w.uint64Parts(span.parentHi, span.parentLo);
  w.str('start');
  w.int64(msToNs(span.startMs));
  w.str('duration');
  w.int64Safe(span.durationNs);
  w.str('error');
  w.fixint(span.error);

  const tags = span.tags ?? [];
  let metaCount = 0;
  let hasEnv = false;
  let hasVersion = false;
  let hasPriority = false;
  for (let i = 0; i < tags.length; i += 2) {
    const k = tags[i];
    if (typeof tags[i + 1] === 'string') {
      metaCount++;
      if (k === 'env') hasEnv = true;
      else if (k === 'version') hasVersion = true;
    } else if (k === '_sampling_priority_v1') hasPriority = true;
  }
  const metricsCount = tags.length / 2 - metaCount;
  const addEnv = d.env !== undefined && !hasEnv;
  const addVersion = d.version !== undefined && !hasVersion;
  w.str('meta');
  w.mapHeader(metaCount + (addEnv ? 1 : 0) + (addVersion ? 1 : 0));
  for (let i = 0; i < tags.length; i += 2) {
    const v = tags[i + 1];
    if (typeof v === 'string') {
      w.str(tags[i] as string);
      w.str(v);
    }
  }
  if (addEnv) {
    w.str('env');
    w.str(d.env as string);
  }
  if (addVersion) {
    w.str('version');
    w.str(d.version as string);
  }

  w.str('metrics');
  w.mapHeader(metricsCount + (hasPriority ? 0 : 1));
  for (let i = 0; i < tags.length; i += 2) {
    const v = tags[i + 1];
    if (typeof v === 'number') {
      w.str(tags[i] as string);
      w.float64(v);
    }
  }
  let at = -1;
  if (!hasPriority) {
    w.str('_sampling_priority_v1');
    w.float64(span.trace.priority);
    at = w.spanOffset() - 8; // the 8 value bytes after the 0xcb marker

  }
  w.str('type');
  w.str('');
  return at;
}
