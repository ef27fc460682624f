/**
 * Shell AST in mvdan/sh v3's node model (type names and fields), so that rshell's
 * validator rules ("first unsupported node wins") carry over node for node.
 *
 * Conventions:
 * - Every string in the tree is a *byte string*: one JS char per byte (char codes 0–255),
 *   i.e. the UTF-8 script decoded as latin1. See ../bytes.ts.
 * - `pos`/`end` are byte offsets into that script (end exclusive). Line/column are derived
 *   lazily (see positions in the parser) only for error messages.
 * - `type` is the discriminant and equals mvdan's Go type name.
 */

export interface Span {
  pos: number;
  end: number;
}

export interface Comment extends Span {
  type: 'Comment';
  text: string;
}

export interface File extends Span {
  type: 'File';
  name: string;
  stmts: Stmt[];
  last: Comment[];
}

export interface Stmt extends Span {
  type: 'Stmt';
  comments: Comment[];
  cmd: Command | null; // null for a statement made only of redirections/assignments-free `>x`
  negated: boolean;
  background: boolean;
  coprocess: boolean;
  /** `;`, `&` or newline position; -1 when absent. */
  semicolon: number;
  redirs: Redirect[];
}

export type Command =
  | CallExpr
  | IfClause
  | WhileClause
  | ForClause
  | CaseClause
  | Block
  | Subshell
  | BinaryCmd
  | FuncDecl
  | ArithmCmd
  | TestClause
  | DeclClause
  | LetClause
  | TimeClause
  | CoprocClause
  | TestDecl;

export type RedirOperator =
  | '>' // RdrOut
  | '>>' // AppOut
  | '<' // RdrIn
  | '<>' // RdrInOut
  | '<&' // DplIn
  | '>&' // DplOut
  | '>|' // ClbOut
  | '<<' // Hdoc
  | '<<-' // DashHdoc
  | '<<<' // WordHdoc
  | '&>' // RdrAll
  | '&>>'; // AppAll

export interface Redirect extends Span {
  type: 'Redirect';
  opPos: number;
  op: RedirOperator;
  /** Explicit fd number before the operator (`2>`), or null. */
  n: Lit | null;
  word: Word;
  /** Heredoc body for `<<` / `<<-`, filled after the body is read; null otherwise. */
  hdoc: Word | null;
}

export interface CallExpr extends Span {
  type: 'CallExpr';
  assigns: Assign[];
  args: Word[];
}

export interface Subshell extends Span {
  type: 'Subshell';
  lparen: number;
  rparen: number;
  stmts: Stmt[];
  last: Comment[];
}

export interface Block extends Span {
  type: 'Block';
  lbrace: number;
  rbrace: number;
  stmts: Stmt[];
  last: Comment[];
}

/**
 * `if`/`elif`/`else` chain. As in mvdan, `else_` is another IfClause; a plain `else`
 * branch is an IfClause whose `cond` is empty (and whose position is the `else` keyword).
 */
export interface IfClause extends Span {
  type: 'IfClause';
  /** Keyword position of `if` / `elif` / `else`. */
  position: number;
  thenPos: number;
  fiPos: number;
  cond: Stmt[];
  condLast: Comment[];
  then: Stmt[];
  thenLast: Comment[];
  else_: IfClause | null;
  last: Comment[];
}

export interface WhileClause extends Span {
  type: 'WhileClause';
  whilePos: number;
  doPos: number;
  donePos: number;
  until: boolean;
  cond: Stmt[];
  condLast: Comment[];
  do_: Stmt[];
  doLast: Comment[];
}

export interface ForClause extends Span {
  type: 'ForClause';
  forPos: number;
  doPos: number;
  donePos: number;
  select: boolean;
  /** `for x in a; { ...; }` form. */
  braces: boolean;
  loop: WordIter | CStyleLoop;
  do_: Stmt[];
  doLast: Comment[];
}

export interface WordIter extends Span {
  type: 'WordIter';
  name: Lit;
  /** Position of `in`, or -1 when the `in` list is omitted (`for x; do`). */
  inPos: number;
  items: Word[];
}

export interface CStyleLoop extends Span {
  type: 'CStyleLoop';
  lparen: number;
  rparen: number;
  init: ArithmExpr | null;
  cond: ArithmExpr | null;
  post: ArithmExpr | null;
}

export type BinCmdOperator = '&&' | '||' | '|' | '|&';

export interface BinaryCmd extends Span {
  type: 'BinaryCmd';
  opPos: number;
  op: BinCmdOperator;
  x: Stmt;
  y: Stmt;
}

export interface FuncDecl extends Span {
  type: 'FuncDecl';
  position: number;
  /** Declared with the `function` keyword. */
  rsrvWord: boolean;
  parens: boolean;
  name: Lit;
  body: Stmt;
}

export interface CaseClause extends Span {
  type: 'CaseClause';
  casePos: number;
  inPos: number;
  esacPos: number;
  braces: boolean;
  word: Word;
  items: CaseItem[];
  last: Comment[];
}

export interface CaseItem extends Span {
  type: 'CaseItem';
  op: ';;' | ';&' | ';;&' | ';|';
  opPos: number;
  comments: Comment[];
  patterns: Word[];
  stmts: Stmt[];
  last: Comment[];
}

export interface ArithmCmd extends Span {
  type: 'ArithmCmd';
  left: number;
  right: number;
  unsigned: boolean;
  x: ArithmExpr | null;
}

export interface TestClause extends Span {
  type: 'TestClause';
  left: number;
  right: number;
  x: TestExpr;
}

export interface DeclClause extends Span {
  type: 'DeclClause';
  /** `declare`, `local`, `export`, `readonly`, `typeset` or `nameref`. */
  variant: Lit;
  args: Assign[];
}

export interface LetClause extends Span {
  type: 'LetClause';
  letPos: number;
  exprs: ArithmExpr[];
}

export interface TimeClause extends Span {
  type: 'TimeClause';
  timePos: number;
  posixFormat: boolean;
  stmt: Stmt | null;
}

export interface CoprocClause extends Span {
  type: 'CoprocClause';
  coprocPos: number;
  name: Word | null;
  stmt: Stmt;
}

export interface TestDecl extends Span {
  type: 'TestDecl';
  position: number;
  description: Word;
  body: Stmt;
}

export interface Assign extends Span {
  type: 'Assign';
  append: boolean;
  /** In a DeclClause, an argument that is not an assignment (`declare -x`, `export foo`). */
  naked: boolean;
  name: Lit | null;
  index: ArithmExpr | null;
  value: Word | null;
  array: ArrayExpr | null;
}

export interface ArrayExpr extends Span {
  type: 'ArrayExpr';
  lparen: number;
  rparen: number;
  elems: ArrayElem[];
  last: Comment[];
}

export interface ArrayElem extends Span {
  type: 'ArrayElem';
  index: ArithmExpr | null;
  value: Word | null;
  comments: Comment[];
}

export interface Word extends Span {
  type: 'Word';
  parts: WordPart[];
}

export type WordPart =
  | Lit
  | SglQuoted
  | DblQuoted
  | ParamExp
  | CmdSubst
  | ArithmExp
  | ProcSubst
  | ExtGlob
  | BraceExp;

/** Literal text, still containing backslash escapes exactly as written (as in mvdan). */
export interface Lit extends Span {
  type: 'Lit';
  value: string;
}

export interface SglQuoted extends Span {
  type: 'SglQuoted';
  left: number;
  right: number;
  /** `$'...'` ANSI-C quoting. */
  dollar: boolean;
  value: string;
}

export interface DblQuoted extends Span {
  type: 'DblQuoted';
  left: number;
  right: number;
  /** `$"..."` locale quoting. */
  dollar: boolean;
  parts: WordPart[];
}

export interface CmdSubst extends Span {
  type: 'CmdSubst';
  left: number;
  right: number;
  stmts: Stmt[];
  last: Comment[];
  backquotes: boolean;
  /** mksh `${ cmd;}` */
  tempFile: boolean;
  /** mksh `${| cmd;}` */
  replyVar: boolean;
}

export type ParNamesOperator = '*' | '@';

export type ParExpOperator =
  | '+'
  | ':+'
  | '-'
  | ':-'
  | '?'
  | ':?'
  | '='
  | ':='
  | '%'
  | '%%'
  | '#'
  | '##'
  | '^'
  | '^^'
  | ','
  | ',,'
  | '@';

export interface ParamExp extends Span {
  type: 'ParamExp';
  dollar: number;
  rbrace: number;
  /** `$a` instead of `${a}`. */
  short: boolean;
  /** `${!a}` */
  excl: boolean;
  /** `${#a}` */
  length: boolean;
  /** mksh `${%a}` */
  width: boolean;
  param: Lit;
  index: ArithmExpr | null;
  slice: Slice | null;
  repl: Replace | null;
  /** `${!prefix*}` / `${!prefix@}` */
  names: ParNamesOperator | null;
  exp: Expansion | null;
}

export interface Slice {
  offset: ArithmExpr | null;
  length: ArithmExpr | null;
}

export interface Replace {
  all: boolean;
  orig: Word;
  with_: Word | null;
}

export interface Expansion {
  op: ParExpOperator;
  word: Word | null;
}

export interface ArithmExp extends Span {
  type: 'ArithmExp';
  left: number;
  right: number;
  /** `$[ ... ]` form. */
  bracket: boolean;
  unsigned: boolean;
  x: ArithmExpr | null;
}

export interface ProcSubst extends Span {
  type: 'ProcSubst';
  opPos: number;
  rparen: number;
  op: '<(' | '>(';
  stmts: Stmt[];
  last: Comment[];
}

export type GlobOperator = '?(' | '*(' | '+(' | '@(' | '!(';

export interface ExtGlob extends Span {
  type: 'ExtGlob';
  opPos: number;
  op: GlobOperator;
  pattern: Lit;
}

/** Produced only by brace splitting at expansion time, never by the parser (as in mvdan). */
export interface BraceExp extends Span {
  type: 'BraceExp';
  sequence: boolean;
  elems: Word[];
}

// Arithmetic is recognised (so it can be rejected) but never evaluated.
export type ArithmExpr = BinaryArithm | UnaryArithm | ParenArithm | Word;

export interface BinaryArithm extends Span {
  type: 'BinaryArithm';
  opPos: number;
  op: string;
  x: ArithmExpr;
  y: ArithmExpr;
}

export interface UnaryArithm extends Span {
  type: 'UnaryArithm';
  opPos: number;
  op: string;
  post: boolean;
  x: ArithmExpr;
}

export interface ParenArithm extends Span {
  type: 'ParenArithm';
  lparen: number;
  rparen: number;
  x: ArithmExpr;
}

// `[[ ... ]]` expressions: recognised, never evaluated.
export type TestExpr = BinaryTest | UnaryTest | ParenTest | Word;

export interface BinaryTest extends Span {
  type: 'BinaryTest';
  opPos: number;
  op: string;
  x: TestExpr;
  y: TestExpr;
}

export interface UnaryTest extends Span {
  type: 'UnaryTest';
  opPos: number;
  op: string;
  x: TestExpr;
}

export interface ParenTest extends Span {
  type: 'ParenTest';
  lparen: number;
  rparen: number;
  x: TestExpr;
}

export type Node =
  | File
  | Stmt
  | Command
  | Redirect
  | Comment
  | Assign
  | ArrayExpr
  | ArrayElem
  | WordIter
  | CStyleLoop
  | CaseItem
  | Word
  | WordPart
  | ArithmExpr
  | TestExpr;
