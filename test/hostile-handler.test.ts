/**
 * Hostile scripts through the full handler, as a Lambda would run them: with `/` allowed and
 * canary secrets in the process environment (AWS credentials, the Datadog API key, _HANDLER)
 * and in a neighbouring process's environment, no result, log line or span carries any of
 * them; the operator's lists narrow what a task asks for; the handler answers every record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESULT_BYTES, encodeResult } from '../src/tasks/results.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { context } from './helpers/stack.js';
import { ALL_COMMANDS, event, failureOf, outputsOf, rshellTask, wiredHandler } from './faults-helpers.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

/** JSON.stringify replacer: ids (bigint) as decimal text. */
const bigintAsText = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

const CANARIES: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'AKIACANARYHANDLER001',
  AWS_SECRET_ACCESS_KEY: 'canary-handler-secret-access-key-9d2e',
  AWS_SESSION_TOKEN: 'canary-handler-session-token-41bb',
  _HANDLER: 'canary-handler-module.handler',
  AWS_LAMBDA_RUNTIME_API: '127.0.0.1:39001',
  HOSTILE_ENV_CANARY: 'canary-handler-plain-env-77aa',
};
const DD_KEY_CANARY = 'canary-dd-api-key-0c4f1e2d';
const NEIGHBOUR_CANARY = 'canary-neighbour-environ-5b1c';
const ALL_CANARIES = [...Object.values(CANARIES), DD_KEY_CANARY, NEIGHBOUR_CANARY];

let intake: LocalIntake;
let neighbour: ChildProcess;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  intake = await startLocalIntake();
  savedEnv = { ...process.env };
  Object.assign(process.env, CANARIES, { DD_API_KEY: DD_KEY_CANARY });
  // Another process whose environment holds a secret, as the Lambda runtime's init would.
  neighbour = spawn('sleep', ['120'], { env: { AWS_SECRET_ACCESS_KEY: NEIGHBOUR_CANARY, PATH: process.env.PATH }, stdio: 'ignore' });
  await new Promise((r) => neighbour.once('spawn', r));
});
afterAll(async () => {
  neighbour.kill('SIGKILL');
  process.env = savedEnv;
  await intake.close();
});
afterEach(() => intake.clear());

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DD_API_KEY: DD_KEY_CANARY, DD_TRACE_INTAKE_URL: intake.url, ...extra };
}

function expectNoCanary(text: string): void {
  for (const c of ALL_CANARIES) expect(text).not.toContain(c);
}

describe.runIf(existsSync('/proc/self/environ'))('with / allowed, no secret of the process is readable', () => {
  const ATTEMPTS = [
    'for f in /proc/[0-9]*/environ /proc/self/environ /proc/thread-self/environ; do cat "$f"; done',
    'for p in /proc/[0-9]*; do strings -n 4 $p/environ; head -c 256 $p/cmdline; done',
    'find /proc -maxdepth 2 -name environ -exec cat {} \\;',
    'grep -a -h -e AWS -e DD_ -e canary /proc/*/environ /proc/self/task/*/environ',
    'sed -n p /proc/self/environ; tail -c 1000 /proc/1/environ; sort /proc/self/environ; uniq /proc/self/environ',
    'cut -d= -f2 /proc/self/environ; tr "\\0" "\\n" < /proc/self/environ; wc -c /proc/self/environ',
    'x=$(</proc/self/environ); echo "$x"; x=$(cat /proc/1/environ); echo "$x"',
    'echo "[$AWS_SECRET_ACCESS_KEY][$AWS_ACCESS_KEY_ID][$AWS_SESSION_TOKEN][$DD_API_KEY][$_HANDLER][$HOSTILE_ENV_CANARY]"',
    'cat /proc/self/fd/*; ls -l /proc/self/fd; head -c 65536 /proc/self/mem; head -c 65536 /proc/self/maps',
    'ps -ef; ps -e -f; uname -a; help',
    'for f in /proc/self/*; do head -c 4096 "$f"; done',
    `for f in /proc/${process.pid}/* /proc/${process.ppid}/*; do head -c 4096 "$f"; done`,
  ];

  it(`answers ${ATTEMPTS.length} reading attempts and none of their outputs, logs or spans holds a canary`, async () => {
    const w = wiredHandler(env());
    const res = await w.handler(event([...ATTEMPTS, `cat /proc/${neighbour.pid}/environ; strings /proc/${neighbour.pid}/environ`].map((c) => rshellTask(c))), context(60_000));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(w.publisher.items).toHaveLength(ATTEMPTS.length + 1);
    for (const it of w.publisher.items) expect(it.update.data.id).toBe('succeed_task');
    expectNoCanary(JSON.stringify(w.publisher.items, bigintAsText));
    expectNoCanary(JSON.stringify(w.logger.records));
    expectNoCanary(JSON.stringify(intake.spans(), bigintAsText));
    // The neighbour's environ is refused by name.
    const last = outputsOf(w.publisher.items.at(-1)!.update);
    expect(last).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `cat: /proc/${neighbour.pid}/environ: permission denied\nstrings: '/proc/${neighbour.pid}/environ': permission denied\n`,
      sandboxWarnings: [],
    });
  });
});

describe('the operator narrows what a task asks for', () => {
  let tree: string;
  beforeAll(() => {
    tree = makeTree({ 'pub/a.txt': 'public\n', 'priv/b.txt': 'private\n' });
  });
  afterAll(() => removeTree(tree));

  it.each([
    ['paths: the task asks for /, the operator allows pub', { RSHELL_ALLOWED_PATHS: 'PUB' }, ['/'], ALL_COMMANDS, 'cat TREE/pub/a.txt; cat TREE/priv/b.txt', { exitCode: 1, stdout: 'public\n', stderr: 'cat: TREE/priv/b.txt: permission denied\n' }],
    ['paths: the task asks for priv, outside the operator list', { RSHELL_ALLOWED_PATHS: 'PUB' }, ['TREE/priv'], ALL_COMMANDS, 'cat TREE/priv/b.txt', { exitCode: 1, stdout: '', stderr: 'cat: TREE/priv/b.txt: permission denied\n' }],
    ['paths: an empty operator list is the kill switch', { RSHELL_ALLOWED_PATHS: '' }, ['/'], ALL_COMMANDS, 'cat TREE/pub/a.txt', { exitCode: 1, stdout: '', stderr: 'cat: TREE/pub/a.txt: permission denied\n' }],
    ['paths: relative and traversing task entries are ignored', {}, ['pub', 'TREE/pub/../priv/..'], ALL_COMMANDS, 'cat TREE/priv/b.txt', { exitCode: 0, stdout: 'private\n', stderr: '' }],
    ['commands: rshell:* in a task admits nothing', {}, ['/'], ['rshell:*'], 'echo hi', { exitCode: 127, stdout: '', stderr: 'echo: command not allowed\n' }],
    ['commands: the operator list wins', { RSHELL_ALLOWED_COMMANDS: 'rshell:echo' }, ['/'], ['rshell:echo', 'rshell:cat'], 'echo hi; cat TREE/pub/a.txt', { exitCode: 127, stdout: 'hi\n', stderr: 'cat: command not allowed\n' }],
    ['commands: an empty operator list allows nothing', { RSHELL_ALLOWED_COMMANDS: '' }, ['/'], ALL_COMMANDS, 'echo hi', { exitCode: 127, stdout: '', stderr: 'echo: command not allowed\n' }],
    ['commands: a slashed name in the task list is not a builtin', {}, ['/'], ['rshell:/bin/sh', 'rshell:echo'], '/bin/sh -c id', { exitCode: 127, stdout: '', stderr: '/bin/sh: command not found\n' }],
    ['commands: a task without a list runs nothing', {}, ['/'], undefined, 'echo hi', { exitCode: 127, stdout: '', stderr: 'echo: command not allowed\n' }],
  ] as const)('%s', async (_name, opEnv, paths, commands, script, want) => {
    const sub = (s: string) => s.replaceAll('TREE', tree).replaceAll('PUB', `${tree}/pub`);
    const w = wiredHandler(env(Object.fromEntries(Object.entries(opEnv).map(([k, v]) => [k, sub(v)]))));
    const body = rshellTask(sub(script), { allowedPaths: paths.map(sub), allowedCommands: commands ? [...commands] : undefined });
    const res = await w.handler(event([body]), context());
    expect(res).toEqual({ batchItemFailures: [] });
    const out = outputsOf(w.publisher.items[0].update);
    expect(out).toEqual({ ...want, stderr: sub(want.stderr), sandboxWarnings: [] });
  });
});

describe('hostile scripts answered through the handler', () => {
  it('turns limits into specific failures, keeps denials as outputs, and returns before the deadline', async () => {
    const w = wiredHandler(env());
    const scripts: [string, number][] = [
      ['cat /etc/shadow; echo x > /tmp/hostile-out', 30],
      ['echo ' + '{a,b}'.repeat(20), 30],
      [`w=${'x'.repeat(1023)}; for i in {1..20000}; do echo $w; done`, 30],
      ['echo $(', 30],
      ['for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done', 1],
      ['find / -maxdepth 0 -exec sh -c id \\;', 30],
    ];
    const ev = event(scripts.map(([s, timeout]) => rshellTask(s, { timeout })));
    const started = Date.now();
    const res = await w.handler(ev, context(20_000));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(res).toEqual({ batchItemFailures: [] });
    const byMessage = new Map(w.publisher.items.map((i) => [i.messageId, i.update]));
    const [shadow, braces, flood, parse, forever, exec] = ev.Records.map((r) => byMessage.get(r.messageId));
    expect(outputsOf(shadow)).toEqual({ exitCode: 2, stdout: '', stderr: '> file redirection is not supported\n', sandboxWarnings: [] });
    expect(outputsOf(braces)).toEqual({ exitCode: 1, stdout: '', stderr: 'brace expansion exceeds the maximum of 100000 words\n', sandboxWarnings: [] });
    expect(failureOf(flood)).toEqual({ error_code: 'ACTION_ERROR', error_details: 'stdout limit exceeded: script produced more than 10 MiB of output' });
    expect(failureOf(parse)).toEqual({ error_code: 'ACTION_ERROR', error_details: 'failed to parse command: 1:6: reached EOF without matching `$(` with `)`' });
    expect(failureOf(forever)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 1 seconds' });
    expect(outputsOf(exec)).toEqual({ exitCode: 1, stdout: '', stderr: "find: 'sh': command not allowed\n", sandboxWarnings: [] });
    expect(existsSync('/tmp/hostile-out')).toBe(false);
    // Spans carry the error type only, never the message or the script.
    const runs = intake.spans().filter((s) => s.name === 'action.run');
    expect(runs.map((s) => s.meta['error.type'] ?? '').sort()).toEqual(['', '', '', 'OutputLimitExceeded', 'ParseError', 'TimeoutError']);
    const spanText = JSON.stringify(intake.spans(), bigintAsText);
    expect(spanText).not.toContain('/etc/shadow');
    expect(spanText).not.toContain('stdout limit exceeded');
  });

  it('binary and invalid UTF-8 output reaches the result as valid JSON (U+FFFD for bad bytes, as Go encodes)', async () => {
    const w = wiredHandler(env());
    await w.handler(event([rshellTask("printf '\\xff\\xfe\\000abc\\n'; printf 'e\\xcc\\x81 \\xed\\xa0\\x80\\n' >&2")]), context());
    const u = w.publisher.items[0].update;
    expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: '\ufffd\ufffd\u0000abc\n', stderr: 'e\u0301 \ufffd\ufffd\ufffd\n', sandboxWarnings: [] });
    expect(JSON.parse(JSON.stringify(u))).toEqual(u);
  });

  it('a batch of stderr floods keeps no more of each stream than a result can carry', async () => {
    // Ten tasks each write 12 MiB to stderr (capped at 10 MiB, exit 0). Results are held until
    // the batch is published: before the cut in runCommand each held ~10 MiB (peak RSS +270 MiB).
    const w = wiredHandler(env({ TASK_CONCURRENCY: '4' }));
    const line = 'x'.repeat(1023);
    const flood = `w=${line}; for i in {1..12000}; do echo $w >&2; done; echo done`;
    const res = await w.handler(event(Array.from({ length: 10 }, () => rshellTask(flood, { timeout: 60 }))), context(60_000));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(w.publisher.items).toHaveLength(10);
    for (const i of w.publisher.items) {
      const out = outputsOf(i.update) as { exitCode: number; stdout: string; stderr: string; truncated?: boolean };
      expect([out.exitCode, out.stdout, out.truncated, out.stderr.length]).toEqual([0, 'done\n', true, MAX_RESULT_BYTES]);
      const sent = encodeResult(i.update);
      expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
      expect(JSON.parse(sent).data.attributes.payload.outputs.stderr.startsWith(`${line}\n${line}\n`)).toBe(true);
    }
  });
});

