/**
 * Minimal MessagePack writer for the agent's v0.4 span shape: maps, arrays, UTF-8 strings,
 * uint64 ids (0xcf), int64 times (0xd3), small ints and float64 metrics (0xcb). Only what the
 * span model needs, so the tracer keeps zero runtime dependencies.
 */
import { msToNs } from './clock.js';
import type { EncodeDefaults } from './encode-json.js';
import type { RecordingSpan } from './span.js';

export class MsgpackWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

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

/** Appends one span as a 12-key map, the v0.4 agent shape. */
export function writeSpanMsgpack(w: MsgpackWriter, span: RecordingSpan, d: EncodeDefaults): void {
  w.mapHeader(12);
  w.str('service');
  w.str(span.service);
  w.str('name');
  w.str(span.name);
  w.str('resource');
  w.str(span.resource);
  w.str('trace_id');
  w.uint64(span.traceId);
  w.str('span_id');
  w.uint64(span.spanId);
  w.str('parent_id');
  w.uint64(span.parentId);
  w.str('start');
  w.int64(msToNs(span.startMs));
  w.str('duration');
  w.int64(BigInt(span.durationNs));
  w.str('error');
  w.fixint(span.error);

  const meta = span.meta;
  const addEnv = d.env !== undefined && !meta?.has('env');
  const addVersion = d.version !== undefined && !meta?.has('version');
  w.str('meta');
  w.mapHeader((meta?.size ?? 0) + (addEnv ? 1 : 0) + (addVersion ? 1 : 0));
  if (meta !== undefined) {
    for (const [k, v] of meta) {
      w.str(k);
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

  const metrics = span.metrics;
  const addPriority = !metrics?.has('_sampling_priority_v1');
  w.str('metrics');
  w.mapHeader((metrics?.size ?? 0) + (addPriority ? 1 : 0));
  if (metrics !== undefined) {
    for (const [k, v] of metrics) {
      w.str(k);
      w.float64(v);
    }
  }
  if (addPriority) {
    w.str('_sampling_priority_v1');
    w.float64(span.trace.priority);
  }
  w.str('type');
  w.str('');
}
