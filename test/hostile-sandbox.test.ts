/**
 * Hostile scripts against the sandbox, through the public runner with every builtin allowed.
 * Each case asserts the exact denial (stdout, stderr, exit status) and that the secret in the
 * tree outside the allowed root never shows up. Paths outside every root are refused with
 * "permission denied" before they are looked at; links that lead out are refused by the
 * os.Root-style walk ("path escapes from parent"); /proc and /dev stay closed with `/` allowed.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { createRunner, type RunnerOptions } from '../src/rshell/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const SECRET = 'TOPSECRET-hostile-7f3a';
const ALL_COMMANDS = [...BUILTINS.keys()].map((n) => `rshell:${n}`);

// Built at collection time so the case tables can name real paths.
const base = makeTree({
  'allowed/ok.txt': 'ok\n',
  'allowed/sub/deep.txt': 'deep\n',
  'allowed/rel_out': { link: '../secret/hidden.txt' },
  'allowed/rel_out_dir': { link: '../secret' },
  'allowed/chain_start': { link: '../middle/hop' },
  'allowed/dotdot_out': { link: 'sub/../../secret/hidden.txt' },
  'allowed/sub/deep_out': { link: '../../secret/hidden.txt' },
  'allowed/loop_a': { link: 'loop_b' },
  'allowed/loop_b': { link: 'loop_a' },
  'allowed/self_loop': { link: 'self_loop' },
  'allowed/env_link': { link: '/proc/self/environ' },
  'allowed/proc_link': { link: '/proc/self' },
  'middle/hop': { link: '../secret/hidden.txt' },
  'secret/hidden.txt': `${SECRET}\n`,
  'allowed-evil/f': `${SECRET}\n`,
});
const root = `${base}/allowed`;
afterAll(() => removeTree(base));

interface Expected {
  out: string;
  err: string;
  code: number;
}

async function runIn(opts: RunnerOptions, script: string): Promise<Expected> {
  const r = await createRunner({ allowedCommands: ALL_COMMANDS, timeoutMs: 10_000, ...opts }).run(script);
  const out = r.stdout.toString('latin1');
  const err = r.stderr.toString('latin1');
  expect(out + err).not.toContain(SECRET);
  expect(r.outcome).toBe('success');
  return { out, err, code: r.exitCode };
}

const confined = (script: string) => runIn({ allowedPaths: [root], dir: root }, script);

/** One file operand, every builtin that reads one: [label, script, expected(path)]. */
const FILE_FORMS: [string, (p: string) => string, (p: string) => Expected][] = [
  ['cat', (p) => `cat ${p}`, (p) => ({ out: '', err: `cat: ${p}: permission denied\n`, code: 1 })],
  ['head', (p) => `head -c 64 ${p}`, (p) => ({ out: '', err: `head: ${p}: permission denied\n`, code: 1 })],
  ['tail', (p) => `tail -n 1 ${p}`, (p) => ({ out: '', err: `tail: ${p}: permission denied\n`, code: 1 })],
  ['wc', (p) => `wc -c ${p}`, (p) => ({ out: '', err: `wc: ${p}: permission denied\n`, code: 1 })],
  ['sort', (p) => `sort ${p}`, (p) => ({ out: '', err: `sort: ${p}: permission denied\n`, code: 1 })],
  ['uniq', (p) => `uniq ${p}`, (p) => ({ out: '', err: `uniq: ${p}: permission denied\n`, code: 1 })],
  ['cut', (p) => `cut -c1- ${p}`, (p) => ({ out: '', err: `cut: ${p}: permission denied\n`, code: 1 })],
  ['sed', (p) => `sed -n p ${p}`, (p) => ({ out: '', err: `sed: ${p}: permission denied\n`, code: 1 })],
  ['grep', (p) => `grep -a T ${p}`, (p) => ({ out: '', err: `grep: ${p}: permission denied\n`, code: 2 })],
  ['strings', (p) => `strings ${p}`, (p) => ({ out: '', err: `strings: '${p}': permission denied\n`, code: 1 })],
  ['redirect', (p) => `cat < ${p}`, (p) => ({ out: '', err: `open ${p}: permission denied\n`, code: 1 })],
  ['$(<file)', (p) => `x=$(<${p}); echo "[$x]"`, (p) => ({ out: '[]\n', err: `open ${p}: permission denied\n`, code: 0 })],
];

const OUTSIDE_FILES = [
  '/etc/passwd',
  '/etc/shadow',
  '/root/.aws/credentials',
  '/var/task/index.mjs',
  '../secret/hidden.txt',
  './../secret/hidden.txt',
  'sub/../../secret/hidden.txt',
  '../../../../../../../../etc/passwd',
  `${base}/secret/hidden.txt`,
  `${root}/../secret/hidden.txt`,
  `${root}/sub/../../secret/hidden.txt`,
  `${base}//allowed/..//secret/hidden.txt`,
  `${base}/allowed-evil/f`,
  '../allowed-evil/f',
  '/proc/self/environ',
  '/dev/zero',
];

describe('reads outside the allowed root are denied by every reader', () => {
  const cases = OUTSIDE_FILES.flatMap((p) => FILE_FORMS.map(([label, script, want]) => [label, p, script(p), want(p)] as const));
  it.each(cases)('%s %s', async (_label, _path, script, want) => {
    expect(await confined(script)).toEqual(want);
  });
});

const OUTSIDE_DIRS = ['/', '..', '/etc', base, `${base}/secret`, `${base}/allowed-evil`, '../secret', '/proc/1'];

describe('directories outside the root cannot be listed, walked or globbed', () => {
  const forms: [string, (d: string) => string, (d: string) => Expected][] = [
    ['ls', (d) => `ls ${d}`, (d) => ({ out: '', err: `ls: cannot access '${d}': permission denied\n`, code: 1 })],
    ['ls -laR', (d) => `ls -laR ${d}`, (d) => ({ out: '', err: `ls: cannot access '${d}': permission denied\n`, code: 1 })],
    ['find', (d) => `find ${d}`, (d) => ({ out: '', err: `find: '${d}': permission denied\n`, code: 1 })],
    ['find -name', (d) => `find ${d} -name '*'`, (d) => ({ out: '', err: `find: '${d}': permission denied\n`, code: 1 })],
    // A glob over a directory that cannot be read matches nothing and stays literal.
    ['glob', (d) => `echo ${d}/*`, (d) => ({ out: `${d}/*\n`, err: '', code: 0 })],
    ['test -d', (d) => `test -d ${d}; echo $?`, () => ({ out: '1\n', err: '', code: 0 })],
  ];
  const cases = OUTSIDE_DIRS.flatMap((d) => forms.map(([label, script, want]) => [label, d, script(d), want(d)] as const));
  it.each(cases)('%s %s', async (_label, _dir, script, want) => {
    expect(await confined(script)).toEqual(want);
  });
});

describe('symlinks out of the root and symlink loops', () => {
  const escape = (cmd: string, p: string, code = 1) => ({ out: '', err: `${cmd}: ${p}: openat ${p}: path escapes from parent\n`, code });
  const cases: [string, Expected][] = [];
  for (const link of ['rel_out', 'rel_out_dir/hidden.txt', 'chain_start', 'dotdot_out', 'sub/deep_out']) {
    cases.push([`cat ${link}`, escape('cat', link)]);
    cases.push([`head -n 1 ${link}`, escape('head', link)]);
    cases.push([`wc -l ${link}`, escape('wc', link)]);
    cases.push([`grep -a T ${link}`, escape('grep', link, 2)]);
    cases.push([`sort ${link}`, escape('sort', link)]);
    cases.push([`cat < ${link}`, { out: '', err: `openat ${link}: path escapes from parent\n`, code: 1 }]);
  }
  for (const link of ['loop_a', 'loop_b', 'self_loop']) {
    cases.push([`cat ${link}`, { out: '', err: `cat: ${link}: too many levels of symbolic links\n`, code: 1 }]);
    cases.push([`tail ${link}`, { out: '', err: `tail: ${link}: too many levels of symbolic links\n`, code: 1 }]);
  }
  // Links into /proc are refused by name before any resolution.
  cases.push(['cat env_link', { out: '', err: 'cat: env_link: permission denied\n', code: 1 }]);
  cases.push(['cat proc_link/environ', { out: '', err: 'cat: proc_link/environ: permission denied\n', code: 1 }]);
  cases.push(['cat proc_link/mem', { out: '', err: 'cat: proc_link/mem: permission denied\n', code: 1 }]);
  // A glob through an escaping directory link finds nothing.
  cases.push(['echo rel_out_dir/*', { out: 'rel_out_dir/*\n', err: '', code: 0 }]);

  it.each(cases)('%s', async (script, want) => {
    expect(await confined(script)).toEqual(want);
  });

  it('find -L reports each escaping or looping link and prints only what is inside', async () => {
    const r = await confined('find -L . -name "*.txt"');
    expect(r.out).toBe('./ok.txt\n./sub/deep.txt\n');
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter(Boolean).sort()).toEqual(
      [
        "find: './chain_start': statat chain_start: path escapes from parent",
        "find: './dotdot_out': statat dotdot_out: path escapes from parent",
        "find: './env_link': permission denied",
        "find: './loop_a': too many levels of symbolic links",
        "find: './loop_b': too many levels of symbolic links",
        "find: './proc_link': permission denied",
        "find: './rel_out': statat rel_out: path escapes from parent",
        "find: './rel_out_dir': statat rel_out_dir: path escapes from parent",
        "find: './self_loop': too many levels of symbolic links",
        "find: './sub/deep_out': statat sub/deep_out: path escapes from parent",
      ].sort(),
    );
  });
});

const SYSTEM_FILES = (pid: number, ppid: number) => [
  '/proc/self/environ',
  '/proc/thread-self/environ',
  `/proc/${pid}/environ`,
  `/proc/${ppid}/environ`,
  '/proc/1/environ',
  `/proc/${pid}/task/${pid}/environ`,
  '/proc/self/mem',
  `/proc/${pid}/mem`,
  '/proc/1/mem',
  '/proc/self/fd/0',
  '/proc/self/fd/1',
  '/proc/self/fd/2',
  `/proc/${pid}/fd/0`,
  '/proc/self/cmdline',
  '/proc/self/auxv',
  '/proc/self/maps',
  '/proc/self/smaps',
  '/proc/self/pagemap',
  '/proc/self/exe',
  '/proc/self/root/etc/hostname',
  '/proc/self/cwd/package.json',
  '/proc/kcore',
  '/dev/zero',
  '/dev/urandom',
  '/dev/random',
  '/dev/mem',
  '/dev/kmsg',
  '/dev/tty',
  '/dev/stdin',
  '/dev/fd/0',
  '/dev/full',
  '/dev/shm/anything',
  `${root}/env_link`,
  `${root}/proc_link/environ`,
  // Other spellings and other per-process views.
  '/proc/self/../1/environ',
  '/proc/1/./environ',
  '/proc//1//environ',
  '/proc/1/environ/',
  '/proc/1/root/etc/hostname',
  '/proc/1/cwd/x',
  '/proc/1/stack',
  '/proc/1/attr/current',
  '/proc/1/task/1/cmdline',
  '/proc/1/map_files/x',
  '/proc/keys',
  '/proc/kallsyms',
  '/sys/kernel/debug/tracing/trace',
  '/sys/firmware/dmi/tables/DMI',
];

describe.runIf(existsSync('/proc/self/environ'))('/proc and /dev with / allowed', () => {
  const everything = (script: string) => runIn({ allowedPaths: ['/'], dir: '/' }, script);
  const forms = FILE_FORMS.filter(([l]) => ['cat', 'head', 'strings', 'grep', 'redirect'].includes(l));
  const cases = SYSTEM_FILES(process.pid, process.ppid).flatMap((p) => forms.map(([label, s, want]) => [label, p, s(p), want(p)] as const));
  it.each(cases)('%s %s', async (_label, _p, script, want) => {
    expect(await everything(script)).toEqual(want);
  });

  it.each(['/proc/self/fd', '/proc/self/fdinfo', '/proc/self/map_files', '/proc/self/root', '/proc/self/cwd', '/dev/shm', `/proc/${process.pid}/fd`])(
    'ls %s is denied',
    async (d) => {
      expect(await everything(`ls ${d}`)).toEqual({ out: '', err: `ls: cannot access '${d}': permission denied\n`, code: 1 });
    },
  );

  it('/dev/null reads empty; every other device in /dev is unreadable', async () => {
    expect(await everything('cat /dev/null; wc -c < /dev/null')).toEqual({ out: '0\n', err: '', code: 0 });
    // Names may be listed (they are not secrets); no content comes back.
    const r = await everything('for f in /dev/*; do head -c 16 $f; done');
    expect(r.out).toBe('');
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(l).toMatch(/^head: \/dev\/[^:]+: (permission denied|is a directory|read .*: is a directory)$/);
  });
});

describe('output redirections other than /dev/null are refused before anything runs', () => {
  const target = `${root}/written.txt`;
  const cases: [string, string][] = [
    [`echo x > ${target}`, '> file redirection is not supported'],
    [`echo x >| ${target}`, '> file redirection is not supported'],
    [`echo x 1> ${target}`, '> file redirection is not supported'],
    [`echo x 2> ${target}`, '> file redirection is not supported'],
    [`echo x 0> ${target}`, '> file redirection is not supported'],
    [`echo x 3> /dev/null`, '> file redirection is not supported'],
    [`echo x >> ${target}`, '>> file redirection is not supported'],
    [`echo x 2>> ${target}`, '>> file redirection is not supported'],
    [`echo x &> ${target}`, '&> file redirection is not supported'],
    [`echo x &>> ${target}`, '&>> file redirection is not supported'],
    [`cat <> ${target}`, '<> file redirection is not supported'],
    ['F=/dev/null; echo x > "$F"', '> file redirection is not supported'],
    ["echo x > '/dev/null'", '> file redirection is not supported'],
    ['echo x > /dev/./null', '> file redirection is not supported'],
    [`echo x > /dev/null/../..${target}`, '> file redirection is not supported'],
    ['echo x > /dev/stdout', '> file redirection is not supported'],
    ['echo x > /dev/nul', '> file redirection is not supported'],
    ['echo x > ok.txt', '> file redirection is not supported'],
    ['echo x 3>&1', '>&N fd duplication is not supported'],
    ['echo x 2>&3', '>&N fd duplication is not supported'],
    ['echo x >&-', '>&N fd duplication is not supported'],
    ['cat <&3', '<&N fd duplication is not supported'],
    ['cat 3< ok.txt', '3< input fd redirection is not supported'],
    ['cat <<< hi', '<<< (herestring) is not supported'],
    ['cat <(cat ok.txt)', 'process substitution is not supported'],
    ['echo >(cat)', 'process substitution is not supported'],
  ];
  it.each(cases)('%s', async (redir, message) => {
    expect(await confined(`echo before; ${redir}; echo after`)).toEqual({ out: '', err: `${message}\n`, code: 2 });
    expect(existsSync(target)).toBe(false);
  });

  it.each([
    ['sort -o out ok.txt', 'sort: --output/-o is not supported (writes to filesystem)'],
    ["sed -n 'w out' ok.txt", "sed: 'w' command is blocked: file writing is not allowed"],
    ["sed 's/o/x/w out' ok.txt", "sed: 'w' flag in 's' command is blocked: file writing is not allowed"],
    ["sed 'r /etc/passwd' ok.txt", "sed: 'r' command is blocked: unsandboxed file reading is not allowed"],
    ['sed e ok.txt', "sed: 'e' command is blocked: command execution is not allowed"],
    ['find . -delete', 'find: -delete: file deletion is blocked'],
    ['find . -fprint out', 'find: -fprint: file writes are blocked'],
    ['find . -fprint0 out', 'find: -fprint0: file writes are blocked'],
    ['find . -fls out', 'find: -fls: file writes are blocked'],
    ['find . -fprintf out x', 'find: -fprintf: file writes are blocked'],
  ])('builtin write/exec features are blocked: %s', async (script, message) => {
    expect(await confined(script)).toEqual({ out: '', err: `${message}\n`, code: 1 });
    expect(existsSync(`${root}/out`)).toBe(false);
  });
});

describe('find -exec runs builtins only', () => {
  const cmds = ['sh', 'bash', '/bin/sh', '/bin/cat', './cat', 'rm', 'env', 'printenv', 'python3', 'node', 'curl', 'nc', 'dd', 'eval', 'exec', 'xargs'];
  const cases = cmds.flatMap((c) => [
    [`find . -maxdepth 0 -exec ${c} {} \\;`, c],
    [`find . -maxdepth 0 -execdir ${c} {} \\;`, c],
  ]);
  it.each(cases)('%s', async (script, c) => {
    expect(await confined(script)).toEqual({ out: '', err: `find: '${c}': command not allowed\n`, code: 1 });
  });

  it.each([
    ['find . -maxdepth 0 -exec rm {} +', 'find: -exec ... {} + is not supported; use -exec ... {} \\;'],
    ['find . -maxdepth 0 -ok cat {} \\;', 'find: -ok: interactive execution is blocked'],
    ['find . -maxdepth 0 -okdir cat {} \\;', 'find: -okdir: interactive execution is blocked'],
  ])('%s', async (script, message) => {
    expect(await confined(script)).toEqual({ out: '', err: `${message}\n`, code: 1 });
  });

  it('-exec of an allowed builtin still cannot reach outside the root', async () => {
    expect(await confined('find . -name ok.txt -exec cat ../secret/hidden.txt \\;')).toEqual({
      out: '',
      err: 'cat: ../secret/hidden.txt: permission denied\n',
      code: 0,
    });
  });
});

describe('commands that are not builtins never run, whatever their spelling', () => {
  const names = [
    '/bin/cat', '/usr/bin/env', './cat', '../cat', 'bin/ls', '/proc/self/exe', 'sh', 'bash', 'node', 'python3', 'perl',
    'curl', 'wget', 'nc', 'env', 'printenv', 'eval', 'exec', 'source', '.', 'command', 'builtin', 'enable', 'alias', 'trap',
    'set', 'cd', 'read', 'sleep', 'kill', 'xargs', 'awk', 'rm', 'cp', 'mv', 'tee', 'touch', 'chmod', 'dd', 'id',
  ];
  it.each(names)('%s', async (name) => {
    expect(await confined(`${name} /etc/passwd`)).toEqual({ out: '', err: `${name}: command not allowed\n`, code: 127 });
  });

  it.each([
    ['"/bin/ca"t /etc/passwd', '/bin/cat'],
    ['$(echo /bin/sh) -c id', '/bin/sh'],
    ['`echo bash` -c id', 'bash'],
    ['c=/usr/bin/env; $c', '/usr/bin/env'],
    ['\\/bin/cat x', '/bin/cat'],
    ["$'\\x2fbin/sh' -c id", '/bin/sh'],
  ])('%s runs nothing', async (script, name) => {
    expect(await confined(script)).toEqual({ out: '', err: `${name}: command not allowed\n`, code: 127 });
  });

  it('a builtin that is not on the allow-list is refused', async () => {
    const r = await runIn({ allowedPaths: [root], dir: root, allowedCommands: ['rshell:echo'] }, 'cat ok.txt; echo still');
    expect(r).toEqual({ out: 'still\n', err: 'cat: command not allowed\n', code: 0 });
  });
});

describe('variables of the process do not exist in scripts', () => {
  const FAKE: Record<string, string> = {
    AWS_ACCESS_KEY_ID: 'AKIAHOSTILE0CANARY01',
    AWS_SECRET_ACCESS_KEY: 'hostile-canary-secret-access-key',
    AWS_SESSION_TOKEN: 'hostile-canary-session-token',
    AWS_LAMBDA_FUNCTION_NAME: 'hostile-canary-fn',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    AWS_REGION: 'hostile-canary-region',
    DD_API_KEY: 'hostile-canary-dd-api-key',
    DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:hostile',
    _HANDLER: 'hostile-canary.handler',
    _X_AMZN_TRACE_ID: 'Root=hostile-canary',
    LAMBDA_TASK_ROOT: '/var/task-hostile-canary',
  };
  const withEnv = async (fn: () => Promise<void>) => {
    const prev = { ...process.env };
    Object.assign(process.env, FAKE);
    try {
      await fn();
    } finally {
      process.env = prev;
    }
  };

  it.each(Object.keys(FAKE))('$%s expands to nothing', async (name) => {
    await withEnv(async () => {
      const r = await confined(`echo "[$${name}][\${${name}}]"; printf '%s' "$${name}"; test -z "$${name}" && echo unset`);
      expect(r).toEqual({ out: '[][]\nunset\n', err: '', code: 0 });
    });
  });

  it.each([
    // As upstream (scenario var_expand/blocked_features/prefix_list): caught by the indirection check.
    ['echo ${!AWS*}', '${!var} is not supported'],
    ['echo ${!AWS@}', '${!var} is not supported'],
    ['n=DD_API_KEY; echo ${!n}', '${!var} is not supported'],
    ['echo ${DD_API_KEY:-none}', '${var} operations (defaults, pattern removal, case conversion) are not supported'],
    ['echo ${#AWS_SECRET_ACCESS_KEY}', '${#var} is not supported'],
    ['export', 'export is not supported'],
    ['declare -p', 'declare is not supported'],
  ])('%s is refused', async (script, message) => {
    await withEnv(async () => {
      expect(await confined(script)).toEqual({ out: '', err: `${message}\n`, code: 2 });
    });
  });

  it.each(['env', 'printenv', 'set'])('%s is not a command', async (name) => {
    await withEnv(async () => {
      expect(await confined(name)).toEqual({ out: '', err: `${name}: command not allowed\n`, code: 127 });
    });
  });
});
