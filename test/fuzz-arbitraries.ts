/**
 * fast-check arbitraries for shell scripts: a grammar over rshell's language and the bash
 * constructs it rejects, plus mutations (delete, insert, duplicate, truncate) that turn valid
 * scripts into near-misses. ASCII only, so a script's bstr and JS string forms coincide (the
 * sh-syntax oracle takes JS strings). Nesting is bounded: sh-syntax's WASM build overflows its
 * own stack on very deep input, which would say nothing about our parser.
 */
import fc from 'fast-check';

const NAMES = ['x', 'y', 'FOO', 'v1', '_z', 'IFS', 'PWD', 'AWS_SECRET_ACCESS_KEY', 'DD_API_KEY'];
const COMMANDS = ['echo', 'printf', 'cat', 'grep', 'sed', 'head', 'tail', 'wc', 'sort', 'uniq', 'cut', 'tr', 'ls', 'find', 'test', '[', 'true', 'false', 'strings', 'help', 'exit', 'break', 'continue', 'sh', '/bin/cat', 'env'];
const LITERALS = ['a', 'hello', 'f.txt', 'sub', '-n', '-c', '-l', '--help', '1', '2', '0', '-e', 'p', 's/a/b/', 'x=1', '%s\\n', '.', '..', '/', '/etc/passwd', '../secret', '*.txt', 's*', '?', '[ab]*', '-name', ']', '=', '!', 'in', 'do', 'done', 'fi', '{', '}', '#', '~', '-maxdepth', '-exec', '{}', '\\;'];
const PARAM_FORMS = (n: string) => [`$${n}`, `\${${n}}`, `"$${n}"`, `\${${n}:-d}`, `\${#${n}}`, `\${${n}%.txt}`, `\${!${n}}`, `\${${n}[0]}`, '$?', '$#', '$@', '$1', '$$', '$LINENO', '$RANDOM'];
const REDIRECTS = ['>/dev/null', '2>/dev/null', '2>&1', '>&2', '&>/dev/null', '< f.txt', '< /etc/passwd', '> out.txt', '>> out.txt', '3>&1', '<<< word', '<> f', '0<f.txt'];

export const word: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LITERALS) },
  { weight: 3, arbitrary: fc.constantFrom(...NAMES).chain((n) => fc.constantFrom(...PARAM_FORMS(n))) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9 .*?_-]{0,8}$/).map((s) => `'${s}'`) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9 .$_-]{0,8}$/).map((s) => `"${s}"`) },
  { weight: 1, arbitrary: fc.constantFrom('{a,b}', '{1..3}', '{1..200}', "$'a\\tb'", '\\$x', 'a\\ b', '$((1+2))', '<(echo)', '@(a|b)', '~/x') },
);

export const command: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...COMMANDS),
    fc.array(word, { maxLength: 4 }),
    fc.array(fc.constantFrom(...REDIRECTS), { maxLength: 1 }),
    fc.option(fc.tuple(fc.constantFrom(...NAMES), word), { nil: undefined, freq: 4 }),
  )
  .map(([c, args, redirs, assign]) => [assign ? `${assign[0]}=${assign[1]}` : '', c, ...args, ...redirs].filter(Boolean).join(' '));

/** Statements nested at most `depth` levels. */
export function statement(depth: number): fc.Arbitrary<string> {
  if (depth <= 0) return command;
  const inner = statement(depth - 1);
  const list = fc.array(inner, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('; '));
  return fc.oneof(
    { weight: 8, arbitrary: command },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...NAMES), word).map(([n, w]) => `${n}=${w}`) },
    { weight: 3, arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((xs) => xs.join(' | ')) },
    { weight: 2, arbitrary: fc.tuple(inner, fc.constantFrom('&&', '||'), inner).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 2, arbitrary: fc.tuple(inner, list, fc.option(list, { nil: undefined })).map(([c, t, e]) => `if ${c}; then ${t};${e ? ` else ${e};` : ''} fi`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.array(word, { maxLength: 4 }), list).map(([n, ws, b]) => `for ${n} in ${ws.join(' ')}; do ${b}; done`) },
    // Long enough to meet the deadline: the deadline property needs runs that reach it.
    { weight: 3, arbitrary: list.map((b) => `for i in {1..300}; do for j in {1..300}; do ${b}; done; done`) },
    { weight: 1, arbitrary: list.map((b) => `{ ${b}; }`) },
    { weight: 1, arbitrary: list.map((b) => `( ${b} )`) },
    { weight: 1, arbitrary: inner.map((c) => `! ${c}`) },
    { weight: 1, arbitrary: inner.map((c) => `echo "$(${c})"`) },
    { weight: 1, arbitrary: inner.map((c) => `x=\`${c}\``) },
    { weight: 1, arbitrary: fc.tuple(word, list).map(([w, b]) => `case ${w} in a) ${b};; *) ;; esac`) },
    { weight: 1, arbitrary: list.map((b) => `while false; do ${b}; done`) },
    { weight: 1, arbitrary: list.map((b) => `f() { ${b}; }`) },
    { weight: 1, arbitrary: fc.constantFrom('[[ -f x ]]', '(( x++ ))', 'for ((i=0;i<2;i++)); do echo; done', 'echo x &', 'coproc cat', 'declare -x a=1', 'a=(1 2)', 'let x=1', 'time echo', 'select x in a; do :; done') },
    { weight: 1, arbitrary: fc.constantFrom('cat <<EOF\nhello $x\nEOF', "cat <<'E'\n$x\nE", 'cat <<-T\n\tx\n\tT') },
  );
}

export const script: fc.Arbitrary<string> = fc.array(statement(3), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('\n'));

const NOISE = [';', '|', '&', '(', ')', '{', '}', '"', "'", '`', '$', '\\', '<', '>', '\n', ' ', '#', '$(', '))', ';;', 'then', 'fi', 'do', 'done', '[[', ']]', '=', '*'];

/** A script with one to three small mutations: the near-misses parsers disagree on. */
export const mutatedScript: fc.Arbitrary<string> = fc
  .tuple(script, fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'duplicate', 'truncate'), fc.constantFrom(...NOISE), fc.nat({ max: 6 })), { minLength: 1, maxLength: 3 }))
  .map(([s, muts]) => {
    let out = s;
    for (const [at, kind, noise, len] of muts) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1 + len);
      else if (kind === 'insert') out = out.slice(0, i) + noise + out.slice(i);
      else if (kind === 'duplicate') out = out.slice(0, i) + out.slice(i, i + len + 1) + out.slice(i);
      else out = out.slice(0, Math.max(1, i));
    }
    return out;
  });

/** Valid-grammar and mutated scripts mixed. */
export const anyScript: fc.Arbitrary<string> = fc.oneof(script, mutatedScript);
