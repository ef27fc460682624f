import { describe, expect, it } from 'vitest';
import { eachLine } from '../src/rshell/builtins/text/each-line.js';
import { LineTooLongError } from '../src/rshell/builtins/lib/lines.js';
import { PieceReader } from './builtins-text-ctx.js';

async function collect(data: string, piece: number, opts: { delim?: number; maxLine?: number } = {}): Promise<string[]> {
  const out: string[] = [];
  await eachLine(
    new PieceReader(Buffer.from(data, 'latin1'), piece),
    (line, terminated) => {
      out.push(Buffer.from(line).toString('latin1') + (terminated ? '|' : '$'));
      return undefined;
    },
    opts,
  );
  return out;
}

describe('eachLine', () => {
  it('splits lines across any chunking, marking an unterminated last line', async () => {
    for (const piece of [1, 2, 3, 5, 64]) {
      expect(await collect('ab\n\ncde\nf', piece), `piece ${piece}`).toEqual(['ab|', '|', 'cde|', 'f$']);
      expect(await collect('x\n', piece)).toEqual(['x|']);
    }
    expect(await collect('', 4)).toEqual([]);
  });

  it('can keep the delimiter on each line', async () => {
    const out: string[] = [];
    for (const piece of [1, 2, 64]) {
      out.length = 0;
      await eachLine(new PieceReader(Buffer.from('ab\n\ncd'), piece), (line) => {
        out.push(Buffer.from(line).toString());
        return undefined;
      }, { withDelimiter: true, maxLine: 2 });
      expect(out).toEqual(['ab\n', '\n', 'cd']);
    }
  });

  it('honours another delimiter', async () => {
    expect(await collect('a\nb\0c', 2, { delim: 0 })).toEqual(['a\nb|', 'c$']);
  });

  it('refuses a line longer than the cap, wherever it is split', async () => {
    for (const piece of [1, 3, 100]) {
      await expect(collect('ok\n' + 'x'.repeat(11) + '\n', piece, { maxLine: 10 })).rejects.toBeInstanceOf(LineTooLongError);
    }
    expect(await collect('x'.repeat(10) + '\n', 3, { maxLine: 10 })).toEqual(['x'.repeat(10) + '|']);
  });

  it('waits for the callback when it returns a promise', async () => {
    const seen: string[] = [];
    await eachLine(new PieceReader(Buffer.from('a\nb\n'), 64), async (line) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(Buffer.from(line).toString());
    });
    expect(seen).toEqual(['a', 'b']);
  });
});
