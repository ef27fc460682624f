import { describe, expect, it } from 'vitest';
import type { Node } from '../src/rshell/syntax/ast.js';
import { parse } from '../src/rshell/syntax/parser.js';
import { walk } from '../src/rshell/syntax/walk.js';

/** Node types in visiting order, with literal values and operators for readability. */
function order(src: string, prune?: (n: Node) => boolean): string[] {
  const out: string[] = [];
  walk(parse(src), (n) => {
    let label: string = n.type;
    if (n.type === 'Lit') label += `:${n.value}`;
    if (n.type === 'BinaryCmd' || n.type === 'Redirect') label += `:${n.op}`;
    out.push(label);
    return prune === undefined ? undefined : !prune(n);
  });
  return out;
}

describe('walk', () => {
  it('visits in mvdan syntax.Walk order: stmt, command (assigns, args), redirects (fd, word, heredoc)', () => {
    expect(order('a=1 echo "$x" 2>/dev/null <<EOF | cat\n~ $y\nEOF\n')).toEqual([
      'File', 'Stmt', 'BinaryCmd:|',
      'Stmt', 'CallExpr', 'Assign', 'Lit:a', 'Word', 'Lit:1', 'Word', 'Lit:echo', 'Word', 'DblQuoted', 'ParamExp', 'Lit:x',
      'Redirect:>', 'Lit:2', 'Word', 'Lit:/dev/null',
      'Redirect:<<', 'Word', 'Lit:EOF', 'Word', 'Lit:~ ', 'ParamExp', 'Lit:y', 'Lit:\n',
      'Stmt', 'CallExpr', 'Word', 'Lit:cat',
    ]);
  });

  it('compound commands: condition lists before bodies, else chain last', () => {
    expect(order('if a; then b; else c; fi; for x in y; do z; done')).toEqual([
      'File',
      'Stmt', 'IfClause',
      'Stmt', 'CallExpr', 'Word', 'Lit:a',
      'Stmt', 'CallExpr', 'Word', 'Lit:b',
      'IfClause', 'Stmt', 'CallExpr', 'Word', 'Lit:c',
      'Stmt', 'ForClause', 'WordIter', 'Lit:x', 'Word', 'Lit:y', 'Stmt', 'CallExpr', 'Word', 'Lit:z',
    ]);
  });

  it('parameter expansion children: param, index, slice, replacement, operator word', () => {
    expect(order('echo ${a/b/c} ${d:-e}')).toEqual([
      'File', 'Stmt', 'CallExpr', 'Word', 'Lit:echo',
      'Word', 'ParamExp', 'Lit:a', 'Word', 'Lit:b', 'Word', 'Lit:c',
      'Word', 'ParamExp', 'Lit:d', 'Word', 'Lit:e',
    ]);
  });

  it('returning false skips a subtree but not its siblings', () => {
    expect(order('echo $(inner) after', (n) => n.type === 'CmdSubst')).toEqual([
      'File', 'Stmt', 'CallExpr', 'Word', 'Lit:echo', 'Word', 'CmdSubst', 'Word', 'Lit:after',
    ]);
  });

  it('does not overflow the stack on very long pipelines and && chains', () => {
    let count = 0;
    walk(parse(Array(50000).fill('a').join(' | ')), () => {
      count++;
    });
    // File + per stage (Stmt, CallExpr, Word, Lit) + one Stmt and BinaryCmd per operator.
    expect(count).toBe(1 + 50000 * 4 + 49999 * 2);
    let ands = 0;
    walk(parse(Array(50000).fill('a').join(' && ')), (n) => {
      if (n.type === 'BinaryCmd') ands++;
    });
    expect(ands).toBe(49999);
  });
});
