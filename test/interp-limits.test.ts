/**
 * Deadline, cancellation and output caps. Time bounds here are generous liveness checks
 * (a run must *end*), not speed assertions.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';

const MIB = 1024 * 1024;
const TIGHT_LOOP = 'for a in {1..1000}; do for b in {1..1000}; do true; done; done; echo never';

describe('deadline', () => {
  it('ends a tight loop at the deadline with outcome timeout', async () => {
    const t = Date.now();
    const r = await createRunner({ allowAllCommands: true, timeoutMs: 50 }).run(TIGHT_LOOP);
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(r.outcome).toBe('timeout');
    expect(r.exitCode).toBe(124);
    expect(r.error).toBe('execution timed out');
    expect(r.stdout.toString()).toBe('');
  });

  it('ends a pipeline whose producer is blocked on a full pipe', async () => {
    const script = 'for a in {1..1000}; do for b in {1..1000}; do echo xxxxxxxxxxxxxxxxxxxxxxxx; done; done | { for c in {1..1000}; do for d in {1..1000}; do true; done; done; cat; }';
    const r = await createRunner({ allowAllCommands: true, timeoutMs: 50 }).run(script);
    expect(r.outcome).toBe('timeout');
  });

  it('ends a stage blocked reading from a producer that never closes', async () => {
    const r = await createRunner({ allowAllCommands: true, timeoutMs: 50 }).run(`{ ${TIGHT_LOOP}; } | cat`);
    expect(r.outcome).toBe('timeout');
    expect(r.stdout.toString()).toBe('');
  });

  it('lets a run that finishes in time succeed', async () => {
    const r = await createRunner({ allowAllCommands: true, timeoutMs: 10_000 }).run('echo ok');
    expect([r.outcome, r.stdout.toString()]).toEqual(['success', 'ok\n']);
  });
});

describe('cancellation', () => {
  it('stops a running script when the signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await createRunner({ allowAllCommands: true, signal: ac.signal }).run(TIGHT_LOOP);
    expect(r.outcome).toBe('canceled');
    expect(r.error).toBe('execution canceled');
  });

  it('runs nothing when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await createRunner({ allowAllCommands: true, signal: ac.signal }).run('echo hi');
    expect([r.outcome, r.stdout.toString()]).toEqual(['canceled', '']);
  });
});

describe('output limits', () => {
  const kb = 'x'.repeat(1023); // 1 KiB lines with the newline
  it('caps stdout at 10 MiB, keeps exactly the first 10 MiB and reports output_limit', async () => {
    const r = await createRunner({ allowAllCommands: true }).run(`w=${kb}; for i in {1..11000}; do echo $w; done; echo never`);
    expect(r.outcome).toBe('output_limit');
    expect(r.error).toBe('stdout limit exceeded: script produced more than 10 MiB of output');
    expect(r.stdout.length).toBe(10 * MIB);
    expect(r.stdout.subarray(0, 1024).toString()).toBe(kb + '\n');
    expect(r.stdout.toString().includes('never')).toBe(false);
  });

  it('drops stderr beyond 10 MiB without failing the run', async () => {
    const r = await createRunner({ allowAllCommands: true }).run(`w=${kb}; for i in {1..11000}; do echo $w >&2; done; echo done`);
    expect([r.outcome, r.stdout.toString(), r.stderr.length]).toEqual(['success', 'done\n', 10 * MIB]);
  });

  it('truncates command substitution output at 1 MiB', async () => {
    const r = await createRunner({ allowAllCommands: true }).run(`w=${kb}; echo "$(for i in {1..2000}; do echo $w; done)" | wc -c`);
    // 1 MiB captured = 1024 whole lines; the last newline is stripped and echo adds one back.
    expect(r.stdout.toString()).toBe(`${MIB}\n`);
  });

  it('rejects a heredoc body above 10 MiB and fails only that command', async () => {
    // x reaches 1 MiB by doubling; eleven copies in one heredoc exceed the cap.
    const script = 'x=y; ' + 'x=$x$x; '.repeat(20) + 'cat <<EOF\n' + '$x'.repeat(11) + '\nEOF\necho after $?';
    const r = await createRunner({ allowAllCommands: true }).run(script);
    expect(r.stderr.toString()).toBe(`heredoc: content exceeds maximum size (${10 * MIB} bytes)\n`);
    expect(r.stdout.toString()).toBe('after 1\n');
  });
});
