/**
 * The pausing streams builtins get (builtin-context.ts): a write into a full pipe returns the
 * pipe's backpressure promise, and the run's pause may throw (deadline) or reject (run aborted
 * during its turn of the event loop) at the same time. Neither promise may be left without a
 * handler: an unhandled rejection ends a Lambda invocation (Runtime.UnhandledPromiseRejection)
 * or the whole Node process, where before the run simply ended with outcome `timeout`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferReader } from '../src/rshell/io.js';
import { BuiltinContext } from '../src/rshell/interp/builtin-context.js';
import { RunAbortError } from '../src/rshell/interp/errors.js';
import { Pipe } from '../src/rshell/interp/pipe.js';
import { PAUSE_AFTER_MS, RunState } from '../src/rshell/interp/run-state.js';
import { WarningSink } from '../src/rshell/interp/warnings.js';
import { createRunner } from '../src/rshell/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
const spin = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {}
};

function runState(deadline: number): RunState {
  return new RunState({
    fs: {} as never,
    proc: {} as never,
    procPath: '/proc',
    dir: '/',
    allowAll: true,
    allowed: new Set(),
    hooks: undefined,
    deadline,
    signal: undefined,
    warnings: new WarningSink(),
  });
}

/** A builtin context writing into a pipe nobody reads (every write waits on backpressure). */
function fullPipeContext(run: RunState): BuiltinContext {
  const pipe = new Pipe(1);
  run.pipes.add(pipe);
  return new BuiltinContext(run, 'x', new BufferReader(), pipe, run.stderr, '/', undefined, async () => 0, () => []);
}

describe('a write into a full pipe as the run ends leaves no unhandled rejection', () => {
  it('the deadline passes before the write: it throws the timeout, and the pipe write is not left rejected', async () => {
    const run = runState(Date.now() + 5);
    const ctx = fullPipeContext(run);
    spin(10); // the deadline passed while the loop was held: its timer has not fired
    let thrown: unknown;
    try {
      const w = ctx.stdout.write('data');
      if (w) await w;
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RunAbortError);
    expect((thrown as RunAbortError).outcome).toBe('timeout');
    await turns(3);
    run.dispose();
    expect(unhandled).toEqual([]);
  });

  it('the run is aborted during the pause: the write rejects once, the pause is not left rejected', async () => {
    const run = runState(Date.now() + 60_000);
    const ctx = fullPipeContext(run);
    spin(PAUSE_AFTER_MS + 5); // due a turn of the event loop
    const w = ctx.stdout.write('data');
    expect(w).toBeInstanceOf(Promise);
    run.abort('timeout'); // as the deadline timer does during the turn
    await expect(w).rejects.toBeInstanceOf(RunAbortError);
    await turns(3);
    run.dispose();
    expect(unhandled).toEqual([]);
  });
});

describe('pipelines that time out while the producer waits on the pipe', () => {
  it('end with outcome timeout and no unhandled rejection (a third of runs left one before)', async () => {
    const script = 'd=x; for i in {1..16}; do d=$d$d; done; echo "$d" | sed -n ":a;p;ba" | sed s/x/y/g | wc -c';
    const outcomes = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await createRunner({ allowAllCommands: true, allowedPaths: ['/tmp'], dir: '/tmp', timeoutMs: 30 + (i % 6) * 13 }).run(script);
      outcomes.add(`${r.outcome} ${r.exitCode}`);
    }
    await turns(3);
    expect({ outcomes: [...outcomes], unhandled: unhandled.length }).toEqual({ outcomes: ['timeout 124'], unhandled: 0 });
  });
});
