/**
 * Span → JSON bytes, written by hand so that 64-bit ids and ns timestamps are emitted as raw
 * decimal numbers straight from exact integer digits (JSON.stringify would need a JS number
 * and lose precision above 2^53). Key order follows the Go mini-tracer's struct.
 */
import { ByteWriter, EncodedStringCache, putBytes, putPadded, putUint, putUint64 } from './byte-writer.js';
import { msParts, splitMs } from './clock.js';
import type { RecordingSpan } from './span.js';
import type { SpanStore } from './span-store.js';
import { MAX_SHAPE_BYTES, shapedEncoder, shapeOf, type SpanShape } from './span-shapes.js';

/** Span-level defaults added at encode time (never overriding a tag set on the span). */
export interface EncodeDefaults {
  env?: string;
  version?: string;
}

/** What an encoder must know of a span's tags before writing them; filled by `surveyTags`. */
export const tagSurvey = { metaCount: 0, addEnv: false, addVersion: false, ownPriority: false };

/**
 * Surveys flat [key, value, ...] tags (string values are meta; anything else, a number or a
 * shape's null, is a metric): how many meta entries, which defaults to add (never over a tag
 * the span set) and whether the span set `_sampling_priority_v1` itself. Shared by both
 * encoders and the JSON template builder; writes into `tagSurvey` (no allocation per span).
 */
export function surveyTags(tags: ReadonlyArray<string | number | null> | undefined, d: EncodeDefaults): typeof tagSurvey {
  let metaCount = 0;
  let hasEnv = false;
  let hasVersion = false;
  let ownPriority = false;
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i += 2) {
      const k = tags[i];
      if (typeof tags[i + 1] === 'string') {
        metaCount++;
        if (k === 'env') hasEnv = true;
        else if (k === 'version') hasVersion = true;
      } else if (k === '_sampling_priority_v1') ownPriority = true;
    }
  }
  tagSurvey.metaCount = metaCount;
  tagSurvey.addEnv = d.env !== undefined && !hasEnv;
  tagSurvey.addVersion = d.version !== undefined && !hasVersion;
  tagSurvey.ownPriority = ownPriority;
  return tagSurvey;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
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

/** Finite numbers only reach here (setTag drops NaN/Infinity); -0 becomes 0. At most 24 bytes. */
function putNum(buf: Buffer, p: number, v: number): number {
  if (Number.isSafeInteger(v)) {
    if (v >= 0) return putUint(buf, p, v);
    buf[p] = 0x2d;
    return putUint(buf, p + 1, -v);
  }
  return p + buf.write(String(v), p, 'latin1');
}

/** Epoch ms (fractional) as exact epoch-ns digits (at most 20 bytes); negative clamps to 0. */
function putNs(buf: Buffer, p: number, ms: number): number {
  splitMs(ms);
  const { whole, frac } = msParts;
  if (whole < 0) {
    buf[p] = 0x30;
    return p + 1;
  }
  if (whole === 0) return putUint(buf, p, frac);
  return putPadded(buf, putUint(buf, p, whole), frac, 6);
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

/*
 * The five numbers from trace_id to duration sit in fixed-width slots: digits first, then
 * spaces (JSON whitespace) up to SLOT bytes. A span is then one block copy of a template plus
 * digit writes at known offsets (see the shaped path below), and both paths emit the same
 * bytes. The cost is ~15 bytes of padding per span, mostly after the duration.
 */
const SLOT = 20;
const BLANK = ' '.repeat(SLOT);
const SLOTS_TEXT = BLANK + ['span_id', 'parent_id', 'start', 'duration'].map((k) => `,"${k}":${BLANK}`).join('');
/** Offset of the slot after `key` within SLOTS_TEXT (trace_id's slot is at 0). */
const slotAfter = (key: string): number => SLOTS_TEXT.indexOf(`"${key}":`) + key.length + 3;
const AT_SPAN = slotAfter('span_id');
const AT_PARENT = slotAfter('parent_id');
const AT_START = slotAfter('start');
const AT_DURATION = slotAfter('duration');
const SLOTS = ascii(SLOTS_TEXT);

/** Fills the slots that change with every span (span_id, start, duration) below `base`. */
function fillSpanSlots(buf: Buffer, base: number, span: RecordingSpan): void {
  putUint64(buf, base + AT_SPAN, span.idHi, span.idLo);
  putNs(buf, base + AT_START, span.startMs);
  putUint(buf, base + AT_DURATION, span.durationNs);
}

/**
 * Recently written trace and parent ids, each as its filled 20-byte slot. The tasks of a batch
 * run concurrently, so consecutive spans of one shape mostly belong to different traces and a
 * shape's own last-id memo misses; the few ids that are live at a time repeat here.
 */
const ID_SLOTS = 64; // a power of two
const idSlotHi = new Float64Array(ID_SLOTS).fill(-1);
const idSlotLo = new Float64Array(ID_SLOTS).fill(-1);
const idSlotText = Buffer.alloc(ID_SLOTS * SLOT, 0x20);

/** SLOT spaces at `at`: a byte loop, where Buffer#fill's argument checks cost more than the fill. */
function blankSlot(buf: Buffer, at: number): void {
  for (let k = at; k < at + SLOT; k++) buf[k] = 0x20;
}

/** Writes a 64-bit id as a whole slot (digits, then spaces) at `at`. */
function fillIdSlot(buf: Buffer, at: number, hi: number, lo: number): void {
  const i = (hi ^ lo) & (ID_SLOTS - 1);
  const from = i * SLOT;
  if (idSlotHi[i] !== hi || idSlotLo[i] !== lo) {
    blankSlot(idSlotText, from);
    putUint64(idSlotText, from, hi, lo);
    idSlotHi[i] = hi;
    idSlotLo[i] = lo;
  }
  // A 20-byte loop: cheaper than a subarray (an allocation) for TypedArray.set.
  for (let k = 0; k < SLOT; k++) buf[at + k] = idSlotText[from + k];
}

/**
 * Appends one span's JSON followed by ','. Returns the offset of its priority value from the
 * span start, or -1 when the span set `_sampling_priority_v1` itself.
 */
export function writeSpanJson(w: SpanStore, span: RecordingSpan, d: EncodeDefaults): number {
  cached(w, serviceHead, span.service, 0, serviceText);
  cached(w, nameHead, span.name, 0, nameText);
  cached(w, resourceHead, span.resource, 0, resourceText);
  w.ensure(SLOTS.length);
  const base = w.pos;
  w.buf.set(SLOTS, base);
  fillIdSlot(w.buf, base, span.trace.hi, span.trace.lo);
  fillIdSlot(w.buf, base + AT_PARENT, span.parentHi, span.parentLo);
  fillSpanSlots(w.buf, base, span);
  w.pos = base + SLOTS.length;

  const tags = span.tags;
  const { metaCount, addEnv, addVersion, ownPriority } = surveyTags(tags, d);
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
      w.ensure(24);
      w.pos = putNum(w.buf, w.pos, v);
    }
  }
  if (ownPriority) {
    w.bytes(END_TYPE);
    return -1;
  }
  w.bytesFrom(K_PRIORITY, from);
  const at = w.spanOffset();
  w.bytes(priorityTail(span.trace.priority));
  return at;
}

/**
 * Copies of a shape's template per live trace, at most this many: the tasks of a batch run
 * concurrently (TASK_CONCURRENCY, default 4), so consecutive spans of one shape mostly belong
 * to different traces, and a single template would rewrite its trace and parent slots for
 * nearly every span. With a copy per trace those slots are written once per trace and parent.
 */
const COPIES_PER_SHAPE = 8;
/** Bytes of template copies beyond each shape's first, per encoder (bounds a hostile mix of shapes). */
const MAX_EXTRA_COPY_BYTES = 2 * 1024 * 1024;

/** One copy of a shape's template, its slowly changing slots holding the last values written. */
class TemplateCopy {
  traceHi = -1;
  traceLo = -1;
  parentHi = -1;
  parentLo = -1;
  /** Whole epoch ms held in the start slot (-1: none) and where its ns digits go. */
  startWhole = -1;
  fracAt = 0;

  constructor(readonly bytes: Buffer) {}
}

/** Extra template bytes an encoder may still make. */
interface CopyBudget {
  left: number;
}

/**
 * A span shape as pre-encoded JSON (see span-shapes.ts). A class, not an object spread from
 * the shape: every shape then has one hidden class, and the encoder's loads and stores of its
 * fields stay monomorphic (spread objects sent them through V8's generic IC handlers).
 */
class JsonShape implements SpanShape {
  /** One per recent trace; once no more can be made, they are reused round-robin. */
  private readonly copies: TemplateCopy[];
  private nextVictim = 0;
  /** Priority value currently written in `tail`. */
  tailPriority: number;

  constructor(
    readonly service: string,
    readonly name: string,
    readonly resource: string,
    readonly error: 0 | 1,
    readonly pattern: ReadonlyArray<string | null>,
    /**
     * `{"service":…,"resource":…,"trace_id":` + slots + `,"error":E,"meta":{…},"metrics":{`
     * and the first metric's key, with blank slots (each copy fills its own).
     */
    private readonly template: Buffer,
    /** Offset of the slots in the template. */
    readonly slots: number,
    /** `,"key":` per metric after the first, in tag order. */
    readonly metricKeys: Buffer[],
    /** Closing bytes: the priority entry (value padded to PRIORITY_WIDTH) then `},"type":""},`. */
    readonly tail: Buffer,
    /** Offset of the priority value in `tail`, -1 when the span sets its own priority. */
    readonly tailAt: number,
    priority: number,
    /** Upper bound of one span's bytes. */
    readonly maxBytes: number,
    private readonly budget: CopyBudget,
  ) {
    this.tailPriority = priority;
    this.copies = [new TemplateCopy(Buffer.from(template))];
  }

  /** The copy whose trace slot holds this trace (filled now if none did). */
  copyFor(hi: number, lo: number): TemplateCopy {
    const copies = this.copies;
    for (let i = 0; i < copies.length; i++) {
      const c = copies[i];
      if (c.traceHi === hi && c.traceLo === lo) return c;
    }
    let c: TemplateCopy;
    const size = this.template.length;
    if (copies.length < COPIES_PER_SHAPE && this.budget.left >= size) {
      this.budget.left -= size;
      c = new TemplateCopy(Buffer.from(this.template));
      copies.push(c);
    } else {
      c = copies[this.nextVictim];
      this.nextVictim = (this.nextVictim + 1) % copies.length;
    }
    fillIdSlot(c.bytes, this.slots, hi, lo);
    c.traceHi = hi;
    c.traceLo = lo;
    return c;
  }

  /** Gives the bytes of the extra copies back to the budget (the shape left the cache). */
  discard(): void {
    this.budget.left += (this.copies.length - 1) * this.template.length;
    this.copies.length = 1;
  }
}

function buildJsonShape(span: RecordingSpan, d: EncodeDefaults, budget: CopyBudget): JsonShape | undefined {
  const shape = shapeOf(span);
  const p = shape.pattern;
  const { addEnv, addVersion, ownPriority } = surveyTags(p, d);
  let meta = '';
  const metricKeys: Buffer[] = [];
  for (let i = 0; i < p.length; i += 2) {
    const k = p[i] as string;
    const v = p[i + 1];
    if (v !== null) meta += (meta === '' ? '' : ',') + JSON.stringify(k) + ':' + JSON.stringify(v);
    else metricKeys.push(utf8((metricKeys.length === 0 ? '' : ',') + JSON.stringify(k) + ':'));
  }
  if (addEnv) meta += (meta === '' ? '' : ',') + '"env":' + JSON.stringify(d.env);
  if (addVersion) meta += (meta === '' ? '' : ',') + '"version":' + JSON.stringify(d.version);
  const head = utf8(serviceText(span.service) + nameText(span.name) + resourceText(span.resource));
  const middle = utf8(`,"error":${span.error}` + (meta === '' ? ',"metrics":{' : `,"meta":{${meta}},"metrics":{`));
  const template = Buffer.concat([head, SLOTS, middle, ...metricKeys.slice(0, 1)]);
  const tail = ownPriority
    ? END_TYPE
    : Buffer.concat([K_PRIORITY.subarray(metricKeys.length === 0 ? 1 : 0), priorityTail(span.trace.priority)]);
  let fixed = template.length + tail.length;
  for (const k of metricKeys) fixed += k.length;
  if (fixed > MAX_SHAPE_BYTES) return undefined;
  return new JsonShape(
    shape.service,
    shape.name,
    shape.resource,
    shape.error,
    p,
    template,
    head.length,
    metricKeys.slice(1),
    tail,
    ownPriority ? -1 : tail.length - END_TYPE.length - PRIORITY_WIDTH,
    span.trace.priority,
    fixed + 24 * metricKeys.length,
    budget,
  );
}

/** The JSON of a span with a known shape: one block copy, its digits, its metrics. */
function writeShapedJson(w: SpanStore, s: JsonShape, span: RecordingSpan): number {
  const trace = span.trace;
  // First bring the copy's slowly changing slots up to date, then copy it.
  const c = s.copyFor(trace.hi, trace.lo);
  const t = c.bytes;
  if (c.parentHi !== span.parentHi || c.parentLo !== span.parentLo) {
    fillIdSlot(t, s.slots + AT_PARENT, span.parentHi, span.parentLo);
    c.parentHi = span.parentHi;
    c.parentLo = span.parentLo;
  }
  splitMs(span.startMs);
  const whole = msParts.whole;
  const frac = msParts.frac;
  if (whole !== c.startWhole && whole > 0) {
    const at = s.slots + AT_START;
    blankSlot(t, at);
    c.fracAt = putUint(t, at, whole);
    c.startWhole = whole;
  }

  w.ensure(s.maxBytes);
  const buf = w.buf;
  const start = w.pos;
  const spanStart = start - w.spanOffset();
  buf.set(t, start);
  const slots = start + s.slots;
  putUint64(buf, slots + AT_SPAN, span.idHi, span.idLo);
  if (whole > 0) putPadded(buf, start + c.fracAt, frac, 6);
  else {
    // Not via the template's whole-ms digits (a clock before 1970-01-01T00:00:00.001).
    blankSlot(buf, slots + AT_START);
    putNs(buf, slots + AT_START, span.startMs);
  }
  putUint(buf, slots + AT_DURATION, span.durationNs);

  let p = start + t.length;
  const tags = span.tags;
  if (tags !== undefined) {
    let m = -1; // the first metric's key is in the template
    for (let i = 1; i < tags.length; i += 2) {
      const v = tags[i];
      if (typeof v !== 'number') continue;
      if (m >= 0) p = putBytes(buf, p, s.metricKeys[m]);
      m++;
      p = putNum(buf, p, v);
    }
  }
  if (s.tailAt < 0) {
    w.pos = putBytes(buf, p, s.tail);
    return -1;
  }
  if (s.tailPriority !== trace.priority) {
    writeJsonPriority(s.tail, s.tailAt, trace.priority);
    s.tailPriority = trace.priority;
  }
  w.pos = putBytes(buf, p, s.tail);
  return p + s.tailAt - spanStart;
}

/** The JSON span encoder of one exporter (its defaults, its shape cache). */
export function createJsonSpanEncoder(d: EncodeDefaults): (w: SpanStore, span: RecordingSpan) => number {
  const budget: CopyBudget = { left: MAX_EXTRA_COPY_BYTES };
  return shapedEncoder(
    (span) => buildJsonShape(span, d, budget),
    writeShapedJson,
    (w: SpanStore, span) => writeSpanJson(w, span, d),
    (shape) => shape.discard(),
  );
}
