import { describe, expect, it } from 'vitest';
import type { CallExpr, Stmt, Word } from '../src/rshell/syntax/ast.js';
import { parse } from '../src/rshell/syntax/parser.js';

/** Strip empty comment lists so expectations stay readable. */
function first(src: string): Stmt {
  return parse(src).stmts[0];
}

function call(s: Stmt): CallExpr {
  if (s.cmd?.type !== 'CallExpr') throw new Error(`expected CallExpr, got ${s.cmd?.type}`);
  return s.cmd;
}

function lits(w: Word): string[] {
  return w.parts.map((p) => `${p.type}:${'value' in p ? p.value : ''}`);
}

describe('parser: simple commands', () => {
  it('words, assignments and byte offsets', () => {
    const f = parse('a=1 echo "x $y"');
    expect(f.type).toBe('File');
    expect(f.end).toBe(15);
    const c = call(f.stmts[0]);
    expect(c.assigns).toHaveLength(1);
    expect(c.assigns[0]).toMatchObject({ pos: 0, end: 3, name: { value: 'a', pos: 0, end: 1 }, value: { pos: 2, end: 3 } });
    expect(c.args.map((a) => [a.pos, a.end])).toEqual([
      [4, 8],
      [9, 15],
    ]);
    const dq = c.args[1].parts[0];
    expect(dq).toMatchObject({ type: 'DblQuoted', left: 9, right: 14, dollar: false });
    if (dq.type !== 'DblQuoted') throw new Error('unreachable');
    expect(dq.parts[0]).toEqual({ type: 'Lit', pos: 10, end: 12, value: 'x ' });
    expect(dq.parts[1]).toMatchObject({ type: 'ParamExp', short: true, pos: 12, end: 14, param: { value: 'y' } });
  });

  it('keeps backslashes in literals and drops line continuations', () => {
    const c = call(first('echo a\\ b c\\\nd'));
    expect(lits(c.args[1])).toEqual(['Lit:a\\ b']);
    expect(lits(c.args[2])).toEqual(['Lit:cd']);
    expect(c.args[2]).toMatchObject({ pos: 10, end: 14 });
  });

  it('assignment without a value has value null', () => {
    const c = call(first('x='));
    expect(c.args).toEqual([]);
    expect(c.assigns[0]).toMatchObject({ name: { value: 'x' }, value: null, append: false });
  });

  it('leading tilde stays a literal', () => {
    expect(lits(call(first('ls ~/x')).args[1])).toEqual(['Lit:~/x']);
  });

  it('redirections with fd numbers', () => {
    const s = first('cmd 2>&1 >/dev/null <in');
    expect(s.redirs.map((r) => [r.op, r.n?.value ?? null, r.opPos, r.word.parts[0].pos])).toEqual([
      ['>&', '2', 5, 7],
      ['>', null, 9, 10],
      ['<', null, 20, 21],
    ]);
  });
});

describe('parser: lists and pipelines', () => {
  it('&& and || nest to the left, pipes to the right', () => {
    const s = first('a && b || c');
    expect(s.cmd).toMatchObject({ type: 'BinaryCmd', op: '||', x: { cmd: { type: 'BinaryCmd', op: '&&' } } });
    const p = first('a | b |& c');
    expect(p.cmd).toMatchObject({
      type: 'BinaryCmd',
      op: '|',
      opPos: 2,
      y: { cmd: { type: 'BinaryCmd', op: '|&', opPos: 6 } },
    });
  });

  it('negation covers the pipeline; & backgrounds the statement', () => {
    const s = first('! a | b &');
    expect(s).toMatchObject({ negated: true, background: true, semicolon: 8, pos: 0 });
    expect(s.cmd?.type).toBe('BinaryCmd');
  });

  it('semicolons and newlines separate statements', () => {
    const f = parse('a; b\nc');
    expect(f.stmts.map((s) => [s.pos, s.semicolon])).toEqual([
      [0, 1],
      [3, -1],
      [5, -1],
    ]);
  });
});
