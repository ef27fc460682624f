/**
 * Depth-first traversal in mvdan/sh's `syntax.Walk` order: a node is visited before its
 * children, children in source order field by field (e.g. Stmt: comments, command,
 * redirections; Redirect: fd, word, heredoc body). Returning `false` from `visit` skips
 * the node's children. rshell's validator relies on this order ("first offending node").
 */
import type { ArithmExpr, Node, Stmt, TestExpr, Word } from './ast.js';

export type Visitor = (node: Node) => boolean | void;

export function walk(node: Node, visit: Visitor): void {
  if (visit(node) === false) return;
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
      if (node.cmd !== null) walk(node.cmd, visit);
      list(node.redirs, visit);
      break;
    case 'Assign':
      if (node.name !== null) walk(node.name, visit);
      if (node.index !== null) walk(node.index, visit);
      if (node.value !== null) walk(node.value, visit);
      if (node.array !== null) walk(node.array, visit);
      break;
    case 'Redirect':
      if (node.n !== null) walk(node.n, visit);
      walk(node.word, visit);
      if (node.hdoc !== null) walk(node.hdoc, visit);
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
      if (node.else_ !== null) walk(node.else_, visit);
      break;
    case 'WhileClause':
      stmts(node.cond, visit);
      list(node.condLast, visit);
      stmts(node.do_, visit);
      list(node.doLast, visit);
      break;
    case 'ForClause':
      walk(node.loop, visit);
      stmts(node.do_, visit);
      list(node.doLast, visit);
      break;
    case 'WordIter':
      walk(node.name, visit);
      list(node.items, visit);
      break;
    case 'CStyleLoop':
      opt(node.init, visit);
      opt(node.cond, visit);
      opt(node.post, visit);
      break;
    case 'BinaryCmd':
      walk(node.x, visit);
      walk(node.y, visit);
      break;
    case 'FuncDecl':
      walk(node.name, visit);
      walk(node.body, visit);
      break;
    case 'Word':
      list(node.parts, visit);
      break;
    case 'DblQuoted':
      list(node.parts, visit);
      break;
    case 'ParamExp':
      walk(node.param, visit);
      opt(node.index, visit);
      if (node.slice !== null) {
        opt(node.slice.offset, visit);
        opt(node.slice.length, visit);
      }
      if (node.repl !== null) {
        walk(node.repl.orig, visit);
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
      walk(node.x, visit);
      walk(node.y, visit);
      break;
    case 'UnaryArithm':
    case 'UnaryTest':
    case 'ParenArithm':
    case 'ParenTest':
      walk(node.x, visit);
      break;
    case 'TestClause':
      walk(node.x, visit);
      break;
    case 'DeclClause':
      walk(node.variant, visit);
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
      walk(node.pattern, visit);
      break;
    case 'LetClause':
      list(node.exprs, visit);
      break;
    case 'TimeClause':
      if (node.stmt !== null) walk(node.stmt, visit);
      break;
    case 'CoprocClause':
      if (node.name !== null) walk(node.name, visit);
      walk(node.stmt, visit);
      break;
    case 'CaseClause':
      walk(node.word, visit);
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
      walk(node.description, visit);
      walk(node.body, visit);
      break;
  }
}

function stmts(xs: Stmt[], visit: Visitor): void {
  for (const s of xs) walk(s, visit);
}

function list(xs: readonly Node[], visit: Visitor): void {
  for (const x of xs) walk(x, visit);
}

function opt(x: ArithmExpr | TestExpr | Word | null, visit: Visitor): void {
  if (x !== null) walk(x, visit);
}
