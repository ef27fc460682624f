/**
 * Closures made per call became module functions, classes and bound methods (5bd5a98), and
 * the rshell span hooks became class instances (c059721): performance changes that must not
 * change behaviour. These pin the differences a review found.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spanTime } from '../bench/span-time.js';
import { createSandbox, SandboxError, type DirEntry } from '../src/rshell/sandbox/index.js';
import { parseJsonExact } from '../src/tracing/json-lossless.js';
import { gc } from './helpers/live-memory.js';

describe('directory listings (Listing and its promise settlers)', () => {
  const dirs: string[] = [];
  const dirWith = (n: number): string => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'listing-')));
    dirs.push(dir);
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `f${i}`), '');
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Whether what `make` returns is collected once the caller drops it. */
  async function collected(make: () => Promise<object>): Promise<boolean> {
    let ref!: WeakRef<object>;
    await (async () => {
      ref = new WeakRef(await make());
    })();
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    return ref.deref() === undefined;
  }

  it('a finished listing keeps neither its entries nor its error once the caller drops them', async () => {
    const dir = dirWith(50);
    const fs = createSandbox({ allowedPaths: [dir] }).fs;
    // The module-level capture of the settlers held the last promise, and with it its value.
    expect(await collected(() => fs.readDir(dir, '/'))).toBe(true);
    // Past the cap: the EMFILE rejection, the promise's reason.
    expect(
      await collected(async () => {
        const e = await fs.readDir(dir, '/', 10).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(SandboxError);
        expect((e as SandboxError).message).toContain('directory has too many entries (cap: 10)');
        return e as object;
      }),
    ).toBe(true);
  });

  it('listings started in the same tick, and one started from inside another, each settle with their own entries', async () => {
    const a = dirWith(3);
    const b = dirWith(5);
    const fs = createSandbox({ allowedPaths: [a, b] }).fs;
    const names = (es: DirEntry[]) => es.map((e) => e.name);
    let inner: Promise<DirEntry[]> | undefined;
    const [la, lb, capped] = await Promise.all([
      fs.readDir(a, '/').then((es) => {
        inner = fs.readDir(b, '/');
        return es;
      }),
      fs.readDir(b, '/'),
      fs.readDir(b, '/', 2).catch((e: unknown) => e),
    ]);
    expect(names(la)).toEqual(['f0', 'f1', 'f2']);
    expect(names(lb)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect((capped as SandboxError).code).toBe('EMFILE');
    expect(names(await inner!)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });
});

describe('rshell span hooks as class instances', () => {
  it("the span-time bench's timing wrapper still passes every hook on (its spans are counted, and timed)", async () => {
    // `timed` copied the hooks with Object.entries and called them unbound: on class
    // instances it copied the fields (tracer, service, ...) and no hook, so no span was made.
    const t = await spanTime('echo a; echo b | cat', ['rshell:echo', 'rshell:cat'], [], 1);
    // action.run, run, echo, pipeline, echo, cat.
    expect(t.spansPerTask).toBe(6);
    expect(t.hooksUs).toBeGreaterThan(0);
  });
});

describe('parseJsonExact as a class (JsonParser)', () => {
  it('an exactAt that is no function is called as before: null is none, false still throws', () => {
    // From untyped JS; `exactAt?.(path)` before: null skipped, false called (a TypeError).
    const call = (exactAt: unknown) => () => parseJsonExact('{"a":1.5,"b":[2.0]}', undefined, exactAt as (p: readonly string[]) => boolean);
    expect(call(null)()).toEqual({ a: 1.5, b: [2] });
    expect(call(undefined)()).toEqual({ a: 1.5, b: [2] });
    expect(call(false)).toThrow(TypeError);
    expect(call(0)).toThrow(TypeError);
    // Integers never ask exactAt.
    expect(parseJsonExact('{"a":1,"b":[2]}', undefined, false as unknown as (p: readonly string[]) => boolean)).toEqual({ a: 1, b: [2] });
  });
});
