/** Chunked file reads: exact bytes, kept chunks never overwritten by later reads (buffers are reused). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChunk } from '../src/rshell/read-chunk.js';
import type { OpenFile } from '../src/rshell/sandbox/types.js';

/** An in-memory file whose reads return at most `step` bytes at a time. */
function memFile(data: Buffer, step = Infinity): OpenFile {
  let at = 0;
  return {
    async read(buf) {
      const n = Math.min(buf.length, step, data.length - at);
      buf.set(data.subarray(at, at + n));
      at += n;
      return n;
    },
    async stat() {
      throw new Error('unused');
    },
    async close() {},
  };
}

async function readAll(f: OpenFile, size: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let c = await readChunk(f, size); c !== null; c = await readChunk(f, size)) chunks.push(c);
  return chunks;
}

describe('readChunk', () => {
  it('returns every byte once, in order, and kept chunks survive later reads of other files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 70 })), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(16, 64),
        async (files, size) => {
          const kept: Array<[Uint8Array[], Uint8Array]> = [];
          for (const [bytes, step] of files) kept.push([await readAll(memFile(Buffer.from(bytes), step), size), bytes]);
          // Checked only after all reads: a chunk aliasing a reused buffer would have changed.
          for (const [chunks, bytes] of kept) {
            expect(chunks.every((c) => c.length > 0)).toBe(true);
            expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
          }
        },
      ),
      { numRuns: 300, seed: 2026 },
    );
  });

  it('gets null at once for an empty file and passes read errors through', async () => {
    expect(await readChunk(memFile(Buffer.alloc(0)), 64)).toBeNull();
    const broken: OpenFile = { read: async () => Promise.reject(new Error('EIO')), stat: async () => Promise.reject(new Error()), close: async () => {} };
    await expect(readChunk(broken, 64)).rejects.toThrow('EIO');
    // The buffer it held is back in use, and still sound.
    expect(Buffer.concat(await readAll(memFile(Buffer.from('after')), 64)).toString()).toBe('after');
  });
});
