/**
 * rshell's pre-execution validator: walks the whole tree in mvdan `syntax.Walk` order and
 * returns the message of the first unsupported construct, or null. The caller prints the
 * message plus a newline on stderr and exits 2 without running anything.
 *
 * The table follows rshell at the scenario snapshot (specs/rshell.md §2): command
 * substitution, subshells, `if` and `for … in` are allowed; output redirection only to a
 * literal `/dev/null`; fd duplication only between fds 1 and 2.
 */
import type { Assign, File, Node, ParamExp, Redirect, Word } from './syntax/ast.js';
import { walk } from './syntax/walk.js';

/** `$#`, `$!`, `$0`–`$9`, `$@`, `$*`: positional and job parameters have no meaning here. */
const BLOCKED_SPECIAL_PARAMS = new Set(['#', '!', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '@', '*']);

const BLOCKED_COMMANDS: Partial<Record<Node['type'], string>> = {
  WhileClause: 'while/until loops are not supported',
  CaseClause: 'case statements are not supported',
  FuncDecl: 'function declarations are not supported',
  ArithmCmd: 'arithmetic commands are not supported',
  TestClause: 'test expressions are not supported',
  LetClause: 'let is not supported',
  TimeClause: 'time is not supported',
  CoprocClause: 'coprocesses are not supported',
  TestDecl: 'test declarations are not supported',
  ArithmExp: 'arithmetic expansion is not supported',
  ProcSubst: 'process substitution is not supported',
  ExtGlob: 'extended globbing is not supported',
};

/**
 * Every command node type this validator knows; a statement holding any other command
 * (a node type added later) is rejected, as rshell does for unknown mvdan types.
 */
const COMMAND_TYPES = new Set<string>([
  'CallExpr',
  'IfClause',
  'WhileClause',
  'ForClause',
  'CaseClause',
  'Block',
  'Subshell',
  'BinaryCmd',
  'FuncDecl',
  'ArithmCmd',
  'TestClause',
  'DeclClause',
  'LetClause',
  'TimeClause',
  'CoprocClause',
  'TestDecl',
]);

export function validate(file: File): string | null {
  let err: string | null = null;
  const hdocBodies = new Set<Word>();
  walk(file, (n) => {
    if (err !== null) return false;
    err = check(n, hdocBodies);
    return err === null;
  });
  return err;
}

function check(n: Node, hdocBodies: Set<Word>): string | null {
  const blocked = BLOCKED_COMMANDS[n.type];
  if (blocked !== undefined) return blocked;
  switch (n.type) {
    case 'ParamExp':
      return checkParamExp(n);
    case 'Assign':
      return checkAssign(n);
    case 'DeclClause':
      return `${n.variant.value} is not supported`;
    case 'ForClause':
      if (n.select) return 'select statements are not supported';
      if (n.loop.type !== 'WordIter') return 'c-style for loops are not supported';
      return null;
    case 'Stmt':
      if (n.background) return 'background execution (&) is not supported';
      // The command is the statement's next visited child (comments never fail), so
      // checking it here keeps rshell's order.
      if (n.cmd !== null && !COMMAND_TYPES.has(n.cmd.type)) return `unsupported command type: *syntax.${n.cmd.type}`;
      return null;
    case 'BinaryCmd':
      return n.op === '|&' ? '|& is not supported' : null;
    case 'Redirect': {
      const e = checkRedirect(n);
      if (e === null && n.hdoc !== null) hdocBodies.add(n.hdoc);
      return e;
    }
    case 'Word': {
      // Heredoc bodies do not undergo tilde expansion, so they are exempt.
      if (hdocBodies.has(n)) return null;
      const p0 = n.parts[0];
      if (p0 !== undefined && p0.type === 'Lit' && p0.value.startsWith('~')) {
        return 'tilde expansion is not supported';
      }
      return null;
    }
  }
  return null;
}

function checkParamExp(pe: ParamExp): string | null {
  if (pe.length) return '${#var} is not supported';
  if (pe.slice !== null) return '${var:offset} is not supported';
  if (pe.repl !== null) return '${var/pattern/replacement} is not supported';
  if (pe.excl) return '${!var} is not supported';
  if (pe.index !== null) return 'array indexing is not supported';
  if (pe.names !== null) return '${!prefix*} is not supported';
  if (pe.exp !== null) return '${var} operations (defaults, pattern removal, case conversion) are not supported';
  const name = pe.param.value;
  if (BLOCKED_SPECIAL_PARAMS.has(name)) return `$${name} is not supported`;
  if (name === 'LINENO') return '$LINENO is not supported';
  return null;
}

function checkAssign(a: Assign): string | null {
  if (a.append) return '+= is not supported';
  if (a.array !== null) return 'array assignment is not supported';
  if (a.index !== null) return 'array index assignment is not supported';
  return null;
}

function checkRedirect(r: Redirect): string | null {
  switch (r.op) {
    case '<<<':
      return '<<< (herestring) is not supported';
    case '<':
      if (r.n !== null && r.n.value !== '0') return `${r.n.value}< input fd redirection is not supported`;
      return null;
    case '>':
    case '>|':
      return isDevNullTarget(r) ? null : '> file redirection is not supported';
    case '>>':
      return isDevNullTarget(r) ? null : '>> file redirection is not supported';
    case '&>':
      return isDevNullTarget(r) ? null : '&> file redirection is not supported';
    case '&>>':
      return isDevNullTarget(r) ? null : '&>> file redirection is not supported';
    case '<>':
      return '<> file redirection is not supported';
    case '>&':
      return isStdFd(r.n, true) && singleLit(r.word) !== null && isStdFdValue(singleLit(r.word)!)
        ? null
        : '>&N fd duplication is not supported';
    case '<&':
      return '<&N fd duplication is not supported';
    default:
      return null; // `<<`, `<<-`
  }
}

/** The source fd of an output redirection must be absent, 1 or 2. */
function isStdFd(n: Redirect['n'], absentOk: boolean): boolean {
  return n === null ? absentOk : isStdFdValue(n.value);
}

function isStdFdValue(v: string): boolean {
  return v === '1' || v === '2';
}

/** Only a single literal `/dev/null` word is accepted, so the target cannot vary at run time. */
function isDevNullTarget(r: Redirect): boolean {
  return isStdFd(r.n, true) && singleLit(r.word) === '/dev/null';
}

function singleLit(w: Word): string | null {
  const p0 = w.parts[0];
  return w.parts.length === 1 && p0.type === 'Lit' ? p0.value : null;
}
