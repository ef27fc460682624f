/**
 * The output buffer shared by the text and search builtins: whatever mix of flushing
 * (`write`, `room`/`put`) and growing (`push`) appends is used, the writer receives exactly
 * the bytes appended, in order, and a chunk it was handed is never overwritten later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutBuffer } from '../src/rshell/builtins/lib/outbuf.js';

/** A writer that keeps the chunks it is handed (no copy), as a lazy consumer might. */
function keepingWriter() {
  const kept: { chunk: Uint8Array; copy: Buffer }[] = [];
  return {
    kept,
    async write(chunk: Uint8Array | string) {
      const c = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      kept.push({ chunk: c, copy: Buffer.from(c) });
    },
  };
}

const pieceArb = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 0, max: 900 }).map((n) => new Uint8Array(n).fill(0x61)),
);
const opArb = fc.oneof(
  fc.record({ op: fc.constant('write' as const), data: pieceArb }),
  fc.record({ op: fc.constant('room' as const), data: pieceArb }),
  fc.record({ op: fc.constant('push' as const), data: pieceArb }),
  fc.record({ op: fc.constantFrom('writeByte' as const, 'pushByte' as const, 'roomByte' as const), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constantFrom('maybeFlush' as const, 'flush' as const) }),
);

describe('OutBuffer', () => {
  it('delivers every appended byte in order and never reuses a handed-over chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), fc.constantFrom(8, 64, 1024), async (ops, size) => {
        const w = keepingWriter();
        const out = new OutBuffer(w, size);
        const expected: number[] = [];
        const bytes = (d: Uint8Array | string) => (typeof d === 'string' ? [...Buffer.from(d, 'latin1')] : [...d]);
        for (const o of ops) {
          switch (o.op) {
            case 'write':
              await out.write(o.data);
              expected.push(...bytes(o.data));
              break;
            case 'room':
              await out.room(o.data.length);
              out.put(o.data);
              expected.push(...bytes(o.data));
              break;
            case 'push':
              out.push(o.data);
              expected.push(...bytes(o.data));
              break;
            case 'writeByte':
              await out.writeByte(o.byte);
              expected.push(o.byte);
              break;
            case 'roomByte':
              await out.room(1);
              out.putByte(o.byte);
              expected.push(o.byte);
              break;
            case 'pushByte':
              out.pushByte(o.byte);
              expected.push(o.byte);
              break;
            case 'maybeFlush':
              await out.maybeFlush();
              break;
            case 'flush':
              await out.flush();
              break;
          }
        }
        await out.flush();
        for (const k of w.kept) expect(Buffer.from(k.chunk)).toEqual(k.copy);
        expect(Buffer.concat(w.kept.map((k) => k.copy))).toEqual(Buffer.from(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('reports full at its flush size and writes nothing until then for pushes', async () => {
    const w = keepingWriter();
    const out = new OutBuffer(w, 16);
    out.push('x'.repeat(15));
    expect(out.full()).toBe(false);
    await out.maybeFlush();
    expect(w.kept).toHaveLength(0);
    out.push('yy');
    expect(out.full()).toBe(true);
    await out.maybeFlush();
    expect(Buffer.concat(w.kept.map((k) => k.copy)).toString()).toBe('x'.repeat(15) + 'yy');
  });
});
