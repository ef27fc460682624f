/**
 * Chunked file reads: exact bytes, kept chunks never overwritten by later reads (buffers are
 * reused); FileReader's closing rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileReader, readChunk } from '../src/rshell/read-chunk.js';
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

/** A one-chunk file that counts its closes, optionally failing them. */
function countingFile(text: string, failClose = false): OpenFile & { closes: number } {
  const f = memFile(Buffer.from(text));
  const counted = {
    ...f,
    closes: 0,
    async close() {
      counted.closes += 1;
      if (failClose) throw new Error('EIO on close');
    },
  };
  return counted;
}

describe('FileReader', () => {
  it('closes the file at end of input, once, however often it is read or closed after', async () => {
    const f = countingFile('abc');
    const r = new FileReader(f);
    expect(Buffer.from((await r.read())!).toString()).toBe('abc');
    expect(f.closes).toBe(0);
    expect(await r.read()).toBeNull();
    expect(f.closes).toBe(1);
    expect(await r.read()).toBeNull();
    await r.close();
    r.cancel();
    expect(f.closes).toBe(1);
  });

  it('cancel closes before the end; a failing close is not a read error', async () => {
    const f = countingFile('abc', true);
    const r = new FileReader(f);
    r.cancel();
    await r.close();
    expect(f.closes).toBe(1);
    expect(await r.read()).toBeNull();
  });

  it('with reuse, every chunk is a view of one buffer, returned to the spares at close', async () => {
    // 8 KiB: above Node's pool threshold, so each buffer has an ArrayBuffer of its own.
    const SIZE = 8192;
    const data = Buffer.from('0123456789'.repeat(2000));
    const chunksOf = async (r: FileReader) => {
      const got: Array<{ text: string; buffer: ArrayBufferLike }> = [];
      // Copied before the next read, as a consumer of reused chunks must.
      for (let c = await r.read(); c !== null; c = await r.read()) got.push({ text: Buffer.from(c).toString(), buffer: c.buffer });
      return got;
    };
    const reused = await chunksOf(new FileReader(memFile(data, SIZE), SIZE, true));
    expect(reused.map((g) => g.text).join('')).toBe(data.toString());
    expect(reused.map((g) => g.text.length)).toEqual([8192, 8192, 3616]);
    expect(new Set(reused.map((g) => g.buffer)).size).toBe(1);
    // Closed at end of input, the reused buffer went back to the spares for the next borrower.
    const next = new FileReader(memFile(Buffer.from('abc')), SIZE, true);
    const c = (await next.read())!;
    expect(Buffer.from(c).toString()).toBe('abc');
    expect(c.buffer).toBe(reused[0].buffer);
    await next.close();
    // Without reuse the caller may keep chunks: full reads hand over distinct buffers.
    const kept = await chunksOf(new FileReader(memFile(data, SIZE), SIZE));
    expect(kept.map((g) => g.text).join('')).toBe(data.toString());
    expect(new Set(kept.slice(0, 2).map((g) => g.buffer)).size).toBe(2);
  });
});
