/** Interpreter semantics through the public API: exact stdout, stderr and exit status. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, parseAllowedCommands, RSHELL_VERSION, type RunnerOptions } from '../src/rshell/index.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'interp-basics-'));
  writeFileSync(join(dir, 'a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'b.txt'), 'beta\n\n\n');
  writeFileSync(join(dir, '.hidden.txt'), 'h\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'c.log'), 'c\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sh(script: string, opts: RunnerOptions = {}) {
  const r = await createRunner({ allowAllCommands: true, allowedPaths: [dir], dir, ...opts }).run(script);
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome };
}

describe('lists and status', () => {
  it('runs sequences and keeps going after failures; status is the last one', async () => {
    expect(await sh('false; echo a; false')).toEqual({ out: 'a\n', err: '', code: 1, outcome: 'success' });
  });
  it('short-circuits && and ||', async () => {
    expect((await sh('true && echo 1; false && echo 2; false || echo 3; true || echo 4')).out).toBe('1\n3\n');
  });
  it('negates with !', async () => {
    expect((await sh('! false; echo $?; ! true; echo $?')).out).toBe('0\n1\n');
  });
  it('exposes $? and empty unknown specials', async () => {
    expect((await sh('false; echo "$?" "[$$]" "[$RANDOM]" "[$-]"')).out).toBe('1 [] [] []\n');
  });
  it('reports an empty script as success', async () => {
    expect(await sh('')).toEqual({ out: '', err: '', code: 0, outcome: 'success' });
  });
});

describe('variables and scoping', () => {
  it('keeps subshell variables and exit inside the subshell', async () => {
    expect((await sh('x=1; (x=2; echo $x; exit 3); echo $? $x')).out).toBe('2\n3 1\n');
  });
  it('shares variables with brace groups', async () => {
    expect((await sh('x=1; { x=2; }; echo $x')).out).toBe('2\n');
  });
  it('scopes inline assignments to the command and expands args first', async () => {
    expect((await sh('x=old; x=new echo $x; echo $x')).out).toBe('old\nold\n');
  });
  it('splits unquoted expansions on IFS and keeps quoted ones whole', async () => {
    expect((await sh('v="a  b"; for w in $v "$v"; do echo "[$w]"; done; IFS=:; v=x:y; echo $v')).out).toBe(
      '[a]\n[b]\n[a  b]\nx y\n',
    );
  });
  it('drops empty unquoted expansions and keeps empty quoted ones', async () => {
    expect((await sh('e=; for w in $e "" $e; do echo "[$w]"; done')).out).toBe('[]\n');
  });
  it('has PWD, IFS, OPTIND and ALLOWED_PATHS, nothing of the process env', async () => {
    const r = await sh('echo "$PWD|$OPTIND|$ALLOWED_PATHS|$HOME|$PATH"');
    expect(r.out).toBe(`${dir}|1|${dir}||\n`);
  });
  it('passes env', async () => {
    expect((await sh('echo $GREETING', { env: { GREETING: 'hi' } })).out).toBe('hi\n');
  });
  it('rejects an oversized value with status 1 and goes on', async () => {
    // 2^20 bytes is the largest value; doubling once more is too large.
    const r = await sh('a=x; ' + 'a=$a$a; '.repeat(21) + 'echo after $?');
    expect(r.err).toBe('a: value too large (limit 1048576 bytes)\n');
    expect(r.out).toBe('after 1\n');
  });
  it('aborts the script when total variable storage is exceeded', async () => {
    // a and b (2^19 bytes each) fill the 1 MiB budget exactly; c overflows it.
    const r = await sh('a=x; ' + 'a=$a$a; '.repeat(19) + 'b=$a; c=$a; echo never');
    expect(r).toEqual({ out: '', err: 'c: variable storage limit exceeded (1572864 bytes total)\n', code: 1, outcome: 'success' });
  });
});

describe('control flow', () => {
  it('takes the right if/elif/else branch', async () => {
    const s = (c1: string, c2: string) => `if ${c1}; then echo one; elif ${c2}; then echo two; else echo three; fi`;
    expect((await sh(`${s('true', 'true')}; ${s('false', 'true')}; ${s('false', 'false')}`)).out).toBe('one\ntwo\nthree\n');
  });
  it('gives status 0 when no if branch runs', async () => {
    expect((await sh('if false; then echo x; fi; echo $?')).out).toBe('0\n');
  });
  it('iterates for loops, including `for x; do` over no params', async () => {
    expect((await sh('for i in a b; do echo $i; done; for x; do echo never; done; echo $?')).out).toBe('a\nb\n0\n');
  });
  it('breaks and continues N levels, clamping N to the loop depth', async () => {
    const r = await sh('for i in 1 2; do for j in a b; do if [ $j = b ]; then continue 2; fi; echo $i$j; done; done; for i in 1 2; do for j in a b; do break 9; done; echo no; done; echo end $i');
    expect(r.out).toBe('1a\n2a\nend 1\n');
  });
  it('reports break and continue outside loops', async () => {
    expect(await sh('break; continue; echo $?')).toEqual({
      out: '0\n',
      err: 'break is only useful in a loop\ncontinue is only useful in a loop\n',
      code: 0,
      outcome: 'success',
    });
  });
  it('does not let a subshell or pipeline stage break a loop around it, as in bash', async () => {
    expect(await sh('for v in a b; do ( break; echo in ); echo x | { continue; echo piped; }; echo $v; done')).toEqual({
      out: 'in\npiped\na\nin\npiped\nb\n',
      err: 'break is only useful in a loop\ncontinue is only useful in a loop\n'.repeat(2),
      code: 0,
      outcome: 'success',
    });
    // A loop inside the subshell is its outermost: `break 5` is clamped there and the subshell goes on.
    expect((await sh('for v in a b; do ( for i in 1; do break 5; done; echo after ); done')).out).toBe('after\nafter\n');
  });
  it('rejects bad loop counts', async () => {
    expect(await sh('for i in 1 2; do continue 0; echo no; done; echo $i $?')).toMatchObject({
      out: '1 1\n',
      err: 'continue: 0: loop count out of range\n',
    });
    expect(await sh('for i in 1 2; do break 1 2; done; echo $i $?')).toMatchObject({ out: '1 1\n', err: 'break: too many arguments\n' });
    expect(await sh('for i in 1; do continue x; done; echo no')).toEqual({
      out: '',
      err: 'continue: x: numeric argument required\n',
      code: 128,
      outcome: 'success',
    });
  });
  it('exits with a status modulo 256, with the previous status, or with usage errors', async () => {
    expect((await sh('exit 258; echo no')).code).toBe(2);
    expect((await sh('false; exit')).code).toBe(1);
    expect(await sh('exit 1 2; echo no')).toEqual({ out: '', err: 'too many arguments\n', code: 1, outcome: 'success' });
    expect(await sh('exit 1.5')).toEqual({ out: '', err: '1.5: numeric argument required\n', code: 2, outcome: 'success' });
    expect(await sh('exit --help; echo $?')).toMatchObject({ out: expect.stringMatching(/^exit: exit \[n\]\n[\s\S]*\n2\n$/) });
  });
});

describe('expansion', () => {
  it('substitutes commands, strips trailing newlines, and supports backticks and nesting', async () => {
    expect((await sh('x=$(echo a; echo; echo); echo "[$x]" `echo b` "$(echo $(echo c))"')).out).toBe('[a] b c\n');
  });
  it('sets $? from the last substitution of an assignment', async () => {
    expect((await sh('x=$(false); echo $?; y=$(true) z=$(false); echo $?')).out).toBe('1\n1\n');
  });
  it('makes $? the status of the substitution just expanded, in word order', async () => {
    expect((await sh('false; echo "x$(true)$?"; true; echo "x$(false)$?"; true; echo $? $(false) $?')).out).toBe('x0\nx1\n0 1\n');
  });
  it('starts each substitution with the $? the one before it left, as bash (found by the differential test)', async () => {
    expect((await sh('false; for i in $(echo hi) $(echo $?); do echo "<$i>"; done')).out).toBe('<hi>\n<0>\n');
    expect((await sh('false; echo $(echo $?) $(true) $(echo $?); a=$(false) b=$(echo $?); echo $b')).out).toBe('1 0\n1\n');
  });
  it('reads files with $(<file) through the sandbox; a directory is empty', async () => {
    expect((await sh('echo "$(<b.txt)|$(<sub)|"')).out).toBe('beta||\n');
    expect(await sh('x=$(<missing.txt); echo $?')).toEqual({
      out: '1\n',
      err: 'openat missing.txt: no such file or directory\n',
      code: 0,
      outcome: 'success',
    });
  });
  it('globs sorted matches, hides dotfiles, and keeps unmatched patterns', async () => {
    expect((await sh('echo *.txt; echo .h*; echo sub/*.log; echo *.none; echo "*.txt"; echo \\*.txt; echo [ab].txt')).out).toBe(
      'a.txt b.txt\n.hidden.txt\nsub/c.log\n*.none\n*.txt\n*.txt\na.txt b.txt\n',
    );
  });
  it('steps through . and .. only from directories, as bash does', async () => {
    expect((await sh('echo */.. */. a*/../b.txt nosuch/../*.txt a.txt/./* sub/../*.txt')).out).toBe(
      'sub/.. sub/. a*/../b.txt nosuch/../*.txt a.txt/./* sub/../a.txt sub/../b.txt\n',
    );
  });
  it('keeps a quoted or escaped ! ^ - literal inside a bracket expression, as bash does', async () => {
    expect((await sh(`echo [\\!a].txt ["!"b].txt [a"-"c].txt ['^'b].txt; x=-; echo [a"$x"c].txt [a$x\\c].txt`)).out).toBe(
      'a.txt b.txt a.txt b.txt\na.txt a.txt b.txt\n',
    );
  });
  it('matches nothing where the sandbox denies listing', async () => {
    expect((await sh('echo /etc/*')).out).toBe('/etc/*\n');
  });
  it('expands braces', async () => {
    expect((await sh('echo x{a,b}y {1..3} {c..a} {05..7} {a} "{a,b}"')).out).toBe('xay xby 1 2 3 c b a 05 06 07 {a} {a,b}\n');
  });
  it('expands sequences past 2^53 exactly, and in bounded time', async () => {
    expect(await sh('echo {9007199254740993..9007199254740995} {9223372036854775807..9223372036854775806}', { timeoutMs: 5000 })).toEqual({
      out: '9007199254740993 9007199254740994 9007199254740995 9223372036854775807 9223372036854775806\n',
      err: '',
      code: 0,
      outcome: 'success',
    });
  });
  it('accepts a + sign in sequence bounds and steps, as bash does', async () => {
    expect((await sh('echo {+1..3} {1..+3} {a..e..+2} {+01..2} {-01..+1}')).out).toBe('1 2 3 1 2 3 a c e 1 2 -01 000 001\n');
  });
  it('skips an unclosed { and expands a later brace expression, as bash does', async () => {
    expect((await sh('echo {{a,b} x{y{1..2} {a,{b,c} {a{1..2}b')).out).toBe('{a {b x{y1 x{y2 {a,b {a,c {a1b {a2b\n');
  });
  it('reads a parameter name across line continuations, as bash does', async () => {
    expect(await sh('za=1; z=0; echo $z\\\na "$z\\\na" ${z\\\na\\\n}; cat <<EOF\n$z\\\na\nEOF')).toEqual({
      out: '1 1 1\n1\n',
      err: '',
      code: 0,
      outcome: 'success',
    });
  });
  it('decodes $\'...\' quoting', async () => {
    expect((await sh("echo $'a\\tb\\x41\\n'")).out).toBe('a\tbA\n\n');
  });
  it('keeps bytes that are not UTF-8', async () => {
    const r = await createRunner({ allowAllCommands: true }).run(Buffer.from([0x65, 0x63, 0x68, 0x6f, 0x20, 0xff, 0xfe]));
    expect([...r.stdout]).toEqual([0xff, 0xfe, 0x0a]);
  });
});

describe('heredocs and redirects', () => {
  it('expands unquoted heredocs, not quoted ones, and strips tabs for <<-', async () => {
    const r = await sh('v=1\ncat <<EOF\n$v \\$v\nEOF\ncat <<\'EOF\'\n$v\nEOF\ncat <<-EOF\n\t\tx\n\tEOF\n');
    expect(r.out).toBe('1 $v\n$v\nx\n');
  });
  it('takes the body verbatim when any part of the delimiter is quoted', async () => {
    expect((await sh('X=1\ncat <<E"N"D\n$X \\$X `x`\nEND\ncat <<-\\END\n\t$X\n\tEND\n')).out).toBe('$X \\$X `x`\n$X\n');
  });
  it('a line continued by a backslash cannot close an unquoted heredoc (bash, mvdan)', async () => {
    // The delimiter line after `a \` joins it; an even run of backslashes is no continuation;
    // a quoted body has none; `$(…)` may span the joined line.
    expect(await sh('cat <<EOF\na \\\nEOF\nb\nEOF\necho after')).toEqual({ out: 'a EOF\nb\nafter\n', err: '', code: 0, outcome: 'success' });
    expect((await sh('cat <<EOF\na \\\\\\\nEOF\nEOF\ncat <<EOF\na \\\\\nEOF\ncat <<\'EOF\'\nq \\\nEOF\n')).out).toBe('a \\EOF\na \\\nq \\\n');
    expect((await sh('cat <<EOF\nx $(echo \\\nEOF\n)\nEOF')).out).toBe('x EOF\n');
    // mvdan's `<<-` quirk: after a lone backslash a line that starts with a tab still closes
    // the body; after a run of three it does not.
    expect((await sh('cat <<-EOF\na \\\nEOF\nEOF\ncat <<-EOF\nc \\\n\tEOF\necho d')).out).toBe('a EOF\nc d\n');
    expect((await sh('cat <<-EOF\na \\\\\\\n\tEOF\nEOF')).out).toBe('a \\\tEOF\n');
    expect(await sh('cat <<EOF\nline \\\nEOF\n')).toMatchObject({ err: 'failed to parse command: 1:5: unclosed here-document `EOF`\n', code: 2 });
  });
  it('reads < file through the sandbox and fails the command when it cannot', async () => {
    expect((await sh('cat < a.txt')).out).toBe('alpha\n');
    expect(await sh('cat < /etc/passwd; echo $?')).toEqual({
      out: '1\n',
      err: 'open /etc/passwd: permission denied\n',
      code: 0,
      outcome: 'success',
    });
  });
  it('a < file read to its end stays at its end for the next reader, like a shared offset', async () => {
    expect((await sh('{ cat; cat; echo done; } < a.txt')).out).toBe('alpha\ndone\n');
  });
  it('runs a command named like an Object property as an unknown command, not a parse error', async () => {
    const r = await sh('constructor; toString 2>&1; __proto__; echo $?');
    expect(r).toMatchObject({ out: 'toString: command not found\n127\n', err: 'constructor: command not found\n__proto__: command not found\n', code: 0 });
  });
  it('discards to /dev/null and duplicates 2>&1 and >&2', async () => {
    const r = await sh('echo gone >/dev/null; echo kept; nope 2>/dev/null; echo err >&2; nope2 2>&1');
    expect(r.out).toBe('kept\nnope2: command not found\n');
    expect(r.err).toBe('err\n');
  });
  it('rejects output redirects to files at validation, before anything runs', async () => {
    expect(await sh('echo before; echo x > out.txt')).toEqual({ out: '', err: '> file redirection is not supported\n', code: 2, outcome: 'success' });
  });
});

describe('command policy', () => {
  it('blocks commands outside the allow-list, and reports unknown ones', async () => {
    const r = await createRunner({ allowedCommands: ['rshell:echo', 'rshell:nosuch'] }).run('echo hi; cat x; nosuch; /bin/echo no');
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.stderr.toString()).toBe('cat: command not allowed\nnosuch: command not found\n/bin/echo: command not allowed\n');
    expect(r.exitCode).toBe(127);
  });
  it('allows nothing by default', async () => {
    const r = await createRunner({}).run('echo hi');
    expect([r.stdout.toString(), r.stderr.toString(), r.exitCode]).toEqual(['', 'echo: command not allowed\n', 127]);
  });
  it('validates allow-list entries at construction', () => {
    expect(() => parseAllowedCommands([''])).toThrow('empty');
    expect(() => parseAllowedCommands(['echo'])).toThrow('rshell:<name>');
    expect(() => parseAllowedCommands(['rshell:a:b'])).toThrow('more than one colon');
    expect(() => parseAllowedCommands(['bash:ls'])).toThrow('unknown namespace');
    expect(() => parseAllowedCommands(['rshell:'])).toThrow('empty command name');
    expect(() => createRunner({ allowedCommands: ['ls'] })).toThrow();
    expect([...parseAllowedCommands(['rshell:ls', 'rshell:cat'])]).toEqual(['ls', 'cat']);
  });
});

describe('errors', () => {
  it('returns parse errors as a fatal outcome without running anything', async () => {
    const r = await createRunner({ allowAllCommands: true }).run("echo 'unterminated");
    expect(r.outcome).toBe('fatal');
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/^failed to parse command: 1:6: /);
    expect(r.stderr.toString()).toBe(r.error + '\n');
  });
  it('runs nothing when the validator rejects a construct anywhere', async () => {
    expect(await sh('echo first; while true; do echo x; done')).toEqual({
      out: '',
      err: 'while/until loops are not supported\n',
      code: 2,
      outcome: 'success',
    });
  });
  it('exports the version', () => {
    expect(RSHELL_VERSION).toBe('0.0.10-ts');
  });
});

describe('expansion caps', () => {
  it('fails a command whose words would exceed 1,000,000 fields', async () => {
    const r = await sh('for i in ' + '{1..100000} '.repeat(11) + '; do echo never; done; echo after $?');
    expect(r).toEqual({ out: 'after 1\n', err: 'expansion exceeds the maximum of 1000000 words\n', code: 0, outcome: 'success' });
  });
  it('fails a command whose brace expansion would exceed 100,000 words', async () => {
    expect(await sh('echo {1..1000}{1..1000}; echo after $?')).toEqual({
      out: 'after 1\n',
      err: 'brace expansion exceeds the maximum of 100000 words\n',
      code: 0,
      outcome: 'success',
    });
  });
});
