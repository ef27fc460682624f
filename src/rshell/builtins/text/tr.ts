/**
 * tr: translate, delete (-d) and squeeze (-s) bytes of stdin. Tables are built once (256
 * entries each), then every chunk is one pass; squeeze state carries across chunks.
 */
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { helpText } from './help.js';
import { complain, fileErrorText } from './io.js';
import { MAX_SET, TrError, complementOf, elementSize, expand, parseSet, setTooLarge, type SetElement } from './tr-sets.js';

interface TrTables {
  map: Uint8Array;
  del: Uint8Array;
  squeeze: Uint8Array;
}

export const tr: Builtin = async (ctx, args) => {
  const fs = new FlagSet('tr');
  const complement = fs.bool('complement', 'c', 'use the complement of SET1');
  fs.alias('complement-upper', 'C', complement, 'same as -c', { hidden: true });
  const del = fs.bool('delete', 'd', 'delete characters in SET1, do not translate');
  const squeeze = fs.bool('squeeze-repeats', 's', 'replace each sequence of a repeated character that is listed in the last specified SET, with a single occurrence of that character');
  const truncate = fs.bool('truncate-set1', 't', 'first truncate SET1 to length of SET2');
  const help = fs.bool('help', 'h', 'display this help and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'tr [OPTION]... SET1 [SET2]', [
        'Translate, squeeze, and/or delete characters from standard input,',
        'writing to standard output.',
      ]),
    );
    return 0;
  }
  const ops = r.args;
  const minOps = del.value === squeeze.value ? 2 : 1;
  const maxOps = del.value && !squeeze.value ? 1 : 2;
  if (ops.length < minOps) {
    await complain(ctx, ops.length === 0 ? 'missing operand' : `missing operand after '${ops[ops.length - 1]}'`);
    return 1;
  }
  if (ops.length > maxOps) {
    await complain(ctx, `extra operand '${ops[maxOps]}'`);
    if (ops.length === 2) await ctx.stderr.write('Only one string may be given when deleting without squeezing repeats.\n');
    return 1;
  }
  let tables: TrTables;
  const warnings: string[] = [];
  try {
    tables = buildTables(ops, { complement: complement.value, del: del.value, squeeze: squeeze.value, truncate: truncate.value }, (w) => warnings.push(w));
  } catch (e) {
    if (!(e instanceof TrError)) throw e;
    await complain(ctx, e.message);
    return 1;
  }
  for (const w of warnings) await complain(ctx, `warning: ${w}`);
  const { map, del: drop, squeeze: sq } = tables;
  let last = -1;
  try {
    for (let chunk = await ctx.stdin.read(); chunk; chunk = await ctx.stdin.read()) {
      ctx.checkCanceled();
      // Output never exceeds input: one pass into a chunk-sized buffer, one write per chunk.
      const out = Buffer.allocUnsafe(chunk.length);
      let j = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (drop[b]) continue;
        const c = map[b];
        if (c === last && sq[c]) continue;
        last = c;
        out[j++] = c;
      }
      if (j > 0) await ctx.stdout.write(out.subarray(0, j));
    }
  } catch (e) {
    // A read refused by the run's buffered total (ChunkRefusedError) or failed.
    await complain(ctx, fileErrorText(e));
    return 1;
  }
  return 0;
};

function buildTables(
  ops: string[],
  o: { complement: boolean; del: boolean; squeeze: boolean; truncate: boolean },
  warn: (w: string) => void,
): TrTables {
  if (ops.some((op) => op.length > MAX_SET)) throw setTooLarge();
  const s1 = parseSet(ops[0], warn);
  const s2: SetElement[] | null = ops.length > 1 ? parseSet(ops[1], warn) : null;
  const translating = s2 !== null && !o.del;
  if (s1.some((e) => e.kind === 'repeat' && e.n === null)) {
    throw new TrError('the [c*] repeat construct may not appear in string1');
  }
  if (s2) {
    const fills = s2.filter((e) => e.kind === 'repeat' && e.n === null).length;
    if (fills > 1) throw new TrError('only one [c*] repeat construct may appear in string2');
    if (translating) {
      if (s2.some((e) => e.kind === 'equiv')) throw new TrError('[=c=] expressions may not appear in string2 when translating');
      if (s2.some((e) => e.kind === 'class' && e.name !== 'upper' && e.name !== 'lower')) {
        throw new TrError("when translating, the only character classes that may appear in\nstring2 are 'upper' and 'lower'");
      }
    } else if (fills > 0) {
      throw new TrError('the [c*] construct may appear in string2 only when translating');
    }
  }
  let set1 = expand(s1);
  if (o.complement) set1 = complementOf(set1);
  const map = new Uint8Array(256);
  for (let c = 0; c < 256; c++) map[c] = c;
  const del = new Uint8Array(256);
  const squeeze = new Uint8Array(256);
  if (translating) {
    // SET2 is used up to SET1's length: a longer repeat maps, fills and aligns the same.
    const cap = Math.max(set1.length, 1);
    const fixed = expand(s2!, 0, cap).length;
    if (!o.complement) checkCaseAlignment(s1, s2!, Math.max(set1.length - fixed, 0), cap);
    let set2 = expand(s2!, Math.max(set1.length - fixed, 0), cap);
    if (set1.length > set2.length && !o.truncate) {
      if (set2.length === 0) throw new TrError('when not truncating set1, string2 must be non-empty');
      if (s2![s2!.length - 1].kind === 'class') {
        throw new TrError('when translating with string1 longer than string2,\nthe latter string must not end with a character class');
      }
      const padded = new Uint8Array(set1.length);
      padded.set(set2);
      padded.fill(set2[set2.length - 1], set2.length);
      set2 = padded;
    }
    if (o.complement && s1.some((e) => e.kind === 'class') && !(set2.length === set1.length && new Set(set2).size <= 1)) {
      throw new TrError('when translating with complemented character classes,\nstring2 must map all characters in the domain to one');
    }
    const n = Math.min(set1.length, set2.length);
    for (let i = 0; i < n; i++) map[set1[i]] = set2[i];
    if (o.squeeze) for (const c of set2) squeeze[c] = 1;
  } else if (o.del) {
    for (const c of set1) del[c] = 1;
    // Only which bytes SET2 holds matters here.
    if (o.squeeze && s2) for (const c of expand(s2, 0, 1)) squeeze[c] = 1;
  } else if (o.squeeze) {
    for (const c of set1) squeeze[c] = 1;
  }
  return { map, del, squeeze };
}

const isCaseClass = (e: SetElement | undefined): boolean =>
  e !== undefined && e.kind === 'class' && (e.name === 'upper' || e.name === 'lower');

/**
 * GNU tr: a [:upper:]/[:lower:] in SET2 must start at the same position as a [:upper:] or
 * [:lower:] in SET1 (walking both sets element by element, skipping both classes together).
 */
function checkCaseAlignment(s1: SetElement[], s2: SetElement[], fill: number, repeatCap: number): void {
  if (!s2.some(isCaseClass)) return;
  const size = (e: SetElement): number => elementSize(e, fill, repeatCap);
  let i1 = 0;
  let o1 = 0;
  let i2 = 0;
  let o2 = 0;
  for (;;) {
    while (i1 < s1.length && o1 === 0 && size(s1[i1]) === 0) i1++;
    while (i2 < s2.length && o2 === 0 && size(s2[i2]) === 0) i2++;
    const e1 = s1[i1];
    const e2 = s2[i2];
    if (o2 === 0 && isCaseClass(e2) && !(o1 === 0 && isCaseClass(e1))) {
      throw new TrError('misaligned [:upper:] and/or [:lower:] construct');
    }
    if (e1 === undefined || e2 === undefined) return;
    if (isCaseClass(e2)) {
      i1++;
      o1 = 0;
      i2++;
      o2 = 0;
      continue;
    }
    if (++o1 >= size(e1)) {
      i1++;
      o1 = 0;
    }
    if (++o2 >= size(e2)) {
      i2++;
      o2 = 0;
    }
  }
}
