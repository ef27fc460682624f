/**
 * One-line descriptions of every rshell builtin (for `help`), and static help texts for the
 * commands whose own `--help` is not a help request (echo prints it, true/false ignore it).
 * Group owners add nothing here: all names of the builtin table live in this one list.
 */

export const SUMMARIES: Readonly<Record<string, string>> = {
  '[': 'evaluate conditional expression',
  break: 'exit from a for loop',
  cat: 'concatenate files and print on the standard output',
  continue: 'resume the next iteration of a for loop',
  cut: 'remove sections from each line of files',
  echo: 'write arguments to stdout',
  exit: 'exit the shell',
  false: 'do nothing, unsuccessfully',
  find: 'search for files in a directory hierarchy',
  grep: 'print lines that match patterns',
  head: 'output the first part of files',
  help: 'display help for commands',
  ip: 'show network interfaces, addresses and routes',
  ls: 'list directory contents',
  ping: 'send ICMP ECHO_REQUEST to network hosts',
  printf: 'format and print data',
  ps: 'report a snapshot of the current processes',
  sed: 'stream editor for filtering and transforming text',
  sort: 'sort lines of text files',
  ss: 'show socket statistics',
  strings: 'print the sequences of printable characters in files',
  tail: 'output the last part of files',
  test: 'evaluate conditional expression',
  tr: 'translate, squeeze or delete characters',
  true: 'do nothing, successfully',
  uname: 'print system information',
  uniq: 'report or omit repeated lines',
  wc: 'print newline, word, and byte counts',
};

/** `help X` prints these verbatim (plus a newline) instead of running `X --help`. */
export const STATIC_HELP: Readonly<Record<string, string>> = {
  echo: 'echo: echo [-neE] [ARG ...]\n    Write the ARGs, separated by spaces and followed by a newline, to stdout.\n    -n  do not print the trailing newline\n    -e  interpret backslash escapes\n    -E  do not interpret backslash escapes (default)',
  true: 'true: true\n    Do nothing and exit with status 0. Arguments are ignored.',
  false: 'false: false\n    Do nothing and exit with status 1. Arguments are ignored.',
  printf: 'printf: usage: printf [-v var] format [arguments]',
};
