/**
 * Minimal MessagePack writer for the agent's v0.4 span shape: maps, arrays, UTF-8 strings,
 * uint64 ids (0xcf), int64 times (0xd3), small ints and float64 metrics (0xcb). Only what the
 * span model needs, so the tracer keeps zero runtime dependencies.
 */
import { ByteWriter, EncodedStringCache } from './byte-writer.js';
import { MAX_INT64_WHOLE_MS, msParts, splitMs } from './clock.js';
import { surveyTags, type EncodeDefaults } from './encode-json.js';
import type { RecordingSpan } from './span.js';
import { SpanStore } from './span-store.js';
import { MAX_SHAPE_BYTES, shapedEncoder, shapeOf, type SpanShape } from './span-shapes.js';

type WriterClass = new (...args: any[]) => ByteWriter;

/**
 * Adds msgpack writing to a byte writer class. A mixin rather than a base class, so that the
 * span store does not carry it: only an agent's exporter writes msgpack, and its module loads
 * on first use (a container that sends to the intake never parses it).
 */
function withMsgpack<B extends WriterClass>(Base: B) {
  return class MsgpackMixin extends Base {
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

    /** uint64 from its halves (0xcf). */
    uint64Parts(hi: number, lo: number): void {
      this.ensure(9);
      this.buf[this.pos++] = 0xcf;
      putU64(this.buf, this.pos, hi, lo);
      this.pos += 8;
    }

    /** Non-negative safe integer as int64 (0xd3). */
    int64Safe(v: number): void {
      this.ensure(9);
      this.buf[this.pos++] = 0xd3;
      putSafe64(this.buf, this.pos, v);
      this.pos += 8;
    }

    /** Epoch ms (fractional) as int64 epoch ns (0xd3); negative clamps to 0. */
    int64Ns(ms: number): void {
      this.ensure(9);
      this.buf[this.pos++] = 0xd3;
      putNs64(this.buf, this.pos, ms);
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
  };
}

export class MsgpackWriter extends withMsgpack(ByteWriter) {}

/** The span store an agent's exporter writes into: SpanStore's chunks, msgpack's writer. */
export class MsgpackSpanStore extends withMsgpack(SpanStore) {}

/** Big-endian uint32 at a known-good offset (Buffer#writeUInt32BE checks bounds and type each time). */
function u32(buf: Buffer, v: number, at: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

/** The 8 big-endian bytes of hi*2^32 + lo. */
function putU64(buf: Buffer, at: number, hi: number, lo: number): void {
  u32(buf, hi, at);
  u32(buf, lo, at + 4);
}

/** The 8 big-endian bytes of a non-negative safe integer. */
function putSafe64(buf: Buffer, at: number, v: number): void {
  putU64(buf, at, Math.floor(v / 4294967296), v % 4294967296);
}

/**
 * Writes epoch ms (fractional) as the 8 bytes of a big-endian int64 count of ns, exactly and
 * without a BigInt: ns = whole*1e6 + frac, split into 32-bit halves with doubles only (whole
 * < 2^41, so every intermediate stays below 2^53). Negative clamps to 0, overflow saturates.
 */
function putNs64(buf: Buffer, at: number, ms: number): void {
  splitMs(ms);
  const { whole, frac } = msParts;
  if (whole < 0 || whole >= MAX_INT64_WHOLE_MS) {
    // Before 1970: 0. From 2262-04-11 on, int64 ns overflow: the largest value instead.
    const big = whole >= 0;
    putU64(buf, at, big ? 0x7fffffff : 0, big ? 0xffffffff : 0);
    return;
  }
  const wLo = whole % 4294967296;
  const wHi = (whole - wLo) / 4294967296;
  const x = wLo * 1e6 + frac;
  const lo = x % 4294967296;
  putU64(buf, at, wHi * 1e6 + (x - lo) / 4294967296, lo);
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
export function writeSpanMsgpack(w: SpanWriter, span: RecordingSpan, d: EncodeDefaults, slots?: MsgpackSlots): number {
  w.mapHeader(12);
  w.str('service');
  w.str(span.service);
  w.str('name');
  w.str(span.name);
  w.str('resource');
  w.str(span.resource);
  w.str('trace_id');
  w.uint64Parts(span.trace.hi, span.trace.lo);
  if (slots) slots.trace = w.spanOffset() - 8;
  w.str('span_id');
  w.uint64Parts(span.idHi, span.idLo);
  if (slots) slots.span = w.spanOffset() - 8;
  w.str('parent_id');
  w.uint64Parts(span.parentHi, span.parentLo);
  if (slots) slots.parent = w.spanOffset() - 8;
  w.str('start');
  w.int64Ns(span.startMs);
  if (slots) slots.start = w.spanOffset() - 8;
  w.str('duration');
  w.int64Safe(span.durationNs);
  if (slots) slots.duration = w.spanOffset() - 8;
  w.str('error');
  w.fixint(span.error);

  const tags = span.tags ?? [];
  const { metaCount, addEnv, addVersion, ownPriority } = surveyTags(tags, d);
  const metricsCount = tags.length / 2 - metaCount;
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
  w.mapHeader(metricsCount + (ownPriority ? 0 : 1));
  for (let i = 0; i < tags.length; i += 2) {
    const v = tags[i + 1];
    if (typeof v === 'number') {
      w.str(tags[i] as string);
      w.float64(v);
      if (slots) slots.metrics.push(w.spanOffset() - 8);
    }
  }
  let at = -1;
  if (!ownPriority) {
    w.str('_sampling_priority_v1');
    w.float64(span.trace.priority);
    at = w.spanOffset() - 8; // the 8 value bytes after the 0xcb marker

  }
  w.str('type');
  w.str('');
  return at;
}

/** A writer that knows where the current span started (the span store; a template writer). */
export type SpanWriter = MsgpackWriter & { spanOffset(): number };

/** Offsets of a span's variable values (each 8 bytes after its marker) from the span start. */
interface MsgpackSlots {
  trace: number;
  span: number;
  parent: number;
  start: number;
  duration: number;
  /** Per metric, in tag order. */
  metrics: number[];
}

/** A span shape as a complete msgpack span whose values are rewritten in place. */
interface MsgpackShape extends SpanShape {
  template: Buffer;
  slots: MsgpackSlots;
  /** Offset of the priority float64, -1 when the span sets its own. */
  priorityAt: number;
}

class TemplateWriter extends MsgpackWriter {
  spanOffset(): number {
    return this.pos;
  }
}

function buildMsgpackShape(span: RecordingSpan, d: EncodeDefaults): MsgpackShape | undefined {
  const w = new TemplateWriter(512);
  const slots: MsgpackSlots = { trace: 0, span: 0, parent: 0, start: 0, duration: 0, metrics: [] };
  const priorityAt = writeSpanMsgpack(w, span, d, slots);
  if (w.pos > MAX_SHAPE_BYTES) return undefined;
  return { ...shapeOf(span), template: Buffer.from(w.buf.subarray(0, w.pos)), slots, priorityAt };
}

/**
 * Every msgpack field the span model uses has a fixed width (0xcf/0xd3/0xcb), so a span of a
 * known shape is its template copied whole, then its values written at fixed offsets.
 */
function writeShapedMsgpack(w: MsgpackSpanStore, s: MsgpackShape, span: RecordingSpan): number {
  const t = s.template;
  w.ensure(t.length);
  const buf = w.buf;
  const at = w.pos;
  buf.set(t, at);
  const sl = s.slots;
  putU64(buf, at + sl.trace, span.trace.hi, span.trace.lo);
  putU64(buf, at + sl.span, span.idHi, span.idLo);
  putU64(buf, at + sl.parent, span.parentHi, span.parentLo);
  putNs64(buf, at + sl.start, span.startMs);
  putSafe64(buf, at + sl.duration, span.durationNs);
  const tags = span.tags;
  if (tags !== undefined) {
    let m = 0;
    for (let i = 1; i < tags.length; i += 2) {
      const v = tags[i];
      if (typeof v === 'number') buf.writeDoubleBE(v, at + sl.metrics[m++]);
    }
  }
  // Where the template starts within the span (0 unless the store moved to a new chunk).
  const templateOffset = w.spanOffset();
  w.pos = at + t.length;
  if (s.priorityAt < 0) return -1;
  buf.writeDoubleBE(span.trace.priority, at + s.priorityAt);
  return templateOffset + s.priorityAt;
}

/** The msgpack span encoder of one exporter (its defaults, its shape cache). */
export function createMsgpackSpanEncoder(d: EncodeDefaults): (w: MsgpackSpanStore, span: RecordingSpan) => number {
  return shapedEncoder((span) => buildMsgpackShape(span, d), writeShapedMsgpack, (w: MsgpackSpanStore, span) => writeSpanMsgpack(w, span, d));
}
