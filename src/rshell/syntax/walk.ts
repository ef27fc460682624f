/**
 * Depth-first traversal in mvdan/sh's `syntax.Walk` order: a node is visited before its
 * children, children in source order field by field (e.g. Stmt: comments, command,
 * redirections; Redirect: fd, word, heredoc body). Returning `false` from `visit` skips
 * the node's children. rshell's validator relies on this order ("first offending node").
 *
 * The traversal keeps its own stack, so very long pipelines or `&&` chains (which nest one
 * level per operator) cannot overflow the JS stack.
 */
import type { ArithmExpr, Node, Stmt, TestExpr, Word } from './ast.js';

export type Visitor = (node: Node) => boolean | void;

export function walk(root: Node, visit: Visitor): void {
  const stack: Node[] = [root];
  const kids: Node[] = [];
  // A bound builtin, not an arrow made per walk (see src/rshell/builtins/lib/pause.ts).
  const collect: (n: Node) => void = kids.push.bind(kids);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (visit(node) === false) continue;
    kids.length = 0;
    children(node, collect);
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
  }
}

/** Calls `visit` on each direct child of `node`, in mvdan's field order. */
export function children(node: Node, visit: (n: Node) => void): void {
  switch (node.type) {
    case 'File':
      stmts(node.stmts, visit);
      list(node.last, visit);
      break;
    case 'Comment':
    case 'Lit':
    case 'SglQuoted':
      break;
    case 'BraceExp':
      list(node.elems, visit);
      break;
    case 'Stmt':
      list(node.comments, visit);
      if (node.cmd !== null) visit(node.cmd);
      list(node.redirs, visit);
      break;
    case 'Assign':
      if (node.name !== null) visit(node.name);
      if (node.index !== null) visit(node.index);
      if (node.value !== null) visit(node.value);
      if (node.array !== null) visit(node.array);
      break;
    case 'Redirect':
      if (node.n !== null) visit(node.n);
      visit(node.word);
      if (node.hdoc !== null) visit(node.hdoc);
      break;
    case 'CallExpr':
      list(node.assigns, visit);
      list(node.args, visit);
      break;
    case 'Subshell':
    case 'Block':
    case 'CmdSubst':
    case 'ProcSubst':
      stmts(node.stmts, visit);
      list(node.last, visit);
      break;
    case 'IfClause':
      stmts(node.cond, visit);
      list(node.condLast, visit);
      stmts(node.then, visit);
      list(node.thenLast, visit);
      if (node.else_ !== null) visit(node.else_);
      break;
    case 'WhileClause':
      stmts(node.cond, visit);
      list(node.condLast, visit);
      stmts(node.do_, visit);
      list(node.doLast, visit);
      break;
    case 'ForClause':
      visit(node.loop);
      stmts(node.do_, visit);
      list(node.doLast, visit);
      break;
    case 'WordIter':
      visit(node.name);
      list(node.items, visit);
      break;
    case 'CStyleLoop':
      opt(node.init, visit);
      opt(node.cond, visit);
      opt(node.post, visit);
      break;
    case 'BinaryCmd':
      visit(node.x);
      visit(node.y);
      break;
    case 'FuncDecl':
      visit(node.name);
      visit(node.body);
      break;
    case 'Word':
      list(node.parts, visit);
      break;
    case 'DblQuoted':
      list(node.parts, visit);
      break;
    case 'ParamExp':
      visit(node.param);
      opt(node.index, visit);
      if (node.slice !== null) {
        opt(node.slice.offset, visit);
        opt(node.slice.length, visit);
      }
      if (node.repl !== null) {
        visit(node.repl.orig);
        opt(node.repl.with_, visit);
      }
      if (node.exp !== null) opt(node.exp.word, visit);
      break;
    case 'ArithmExp':
    case 'ArithmCmd':
      opt(node.x, visit);
      break;
    case 'BinaryArithm':
    case 'BinaryTest':
      visit(node.x);
      visit(node.y);
      break;
    case 'UnaryArithm':
    case 'UnaryTest':
    case 'ParenArithm':
    case 'ParenTest':
      visit(node.x);
      break;
    case 'TestClause':
      visit(node.x);
      break;
    case 'DeclClause':
      visit(node.variant);
      list(node.args, visit);
      break;
    case 'ArrayExpr':
      list(node.elems, visit);
      list(node.last, visit);
      break;
    case 'ArrayElem':
      opt(node.index, visit);
      opt(node.value, visit);
      list(node.comments, visit);
      break;
    case 'ExtGlob':
      visit(node.pattern);
      break;
    case 'LetClause':
      list(node.exprs, visit);
      break;
    case 'TimeClause':
      if (node.stmt !== null) visit(node.stmt);
      break;
    case 'CoprocClause':
      if (node.name !== null) visit(node.name);
      visit(node.stmt);
      break;
    case 'CaseClause':
      visit(node.word);
      list(node.items, visit);
      list(node.last, visit);
      break;
    case 'CaseItem':
      list(node.comments, visit);
      list(node.patterns, visit);
      stmts(node.stmts, visit);
      list(node.last, visit);
      break;
    case 'TestDecl':
      visit(node.description);
      visit(node.body);
      break;
  }
}

type Each = (n: Node) => void;

function stmts(xs: Stmt[], visit: Each): void {
  for (const s of xs) visit(s);
}

function list(xs: readonly Node[], visit: Each): void {
  for (const x of xs) visit(x);
}

function opt(x: ArithmExpr | TestExpr | Word | null, visit: Each): void {
  if (x !== null) visit(x);
}
