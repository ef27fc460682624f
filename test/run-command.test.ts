/**
 * The rshell runCommand action alone: how its inputs are refused, how each way a run ends
 * becomes outputs or a task error, and which spans it makes under the action.run span.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/actions/rshell/run-command.js';
import type { ActionContext } from '../src/actions/types.js';
import { taskBody } from '../src/producer/task.js';
import { parseTaskBody } from '../src/tasks/envelope.js';
import { MAX_RESULT_BYTES } from '../src/tasks/results.js';
import type { SpanBudget } from '../src/tracing/index.js';
import { RecordingTracer } from './helpers/recording-tracer.js';

/** A tracer whose spans under action.run would be sent (so the action makes rshell spans). */
class SendingTracer extends RecordingTracer {
  override sendsUnder(): boolean {
    return true;
  }
}

function ctxFor(inputs: Record<string, unknown>, o: { tracer?: RecordingTracer; deadlineMs?: number; signal?: AbortSignal; detailed?: boolean; budget?: SpanBudget } = {}): ActionContext & { tracer: RecordingTracer } {
  const parsed = parseTaskBody(taskBody({ inputs, allowedCommands: ['rshell:echo', 'rshell:true', 'rshell:cat'], allowedPaths: ['/'] }));
  if (!parsed.ok) throw new Error(parsed.error);
  const tracer = o.tracer ?? new RecordingTracer();
  const span = tracer.startSpan('action.run');
  return {
    task: parsed.task,
    deadline: Date.now() + (o.deadlineMs ?? 10_000),
    signal: o.signal ?? new AbortController().signal,
    tracer,
    span,
    policy: { allowedCommands: ['rshell:*'], allowedPaths: ['/'], ...(o.detailed === undefined ? {} : { detailedTelemetry: o.detailed }) },
    spanBudget: o.budget,
  };
}

/** The task error a run rejects with: code, type and message. */
async function refusal(c: ActionContext) {
  try {
    await runCommand.run(c);
  } catch (e) {
    const err = e as { code: string; type: string; message: string };
    return { code: err.code, type: err.type, message: err.message };
  }
  throw new Error('the run did not fail');
}

describe('inputs', () => {
  it('refuses a command that is not text, or empty, or a priority that is not an integer', async () => {
    expect(await refusal(ctxFor({ command: 5 }))).toEqual({ code: 'ACTION_ERROR', type: 'InvalidInput', message: 'command must be a string, got number' });
    expect(await refusal(ctxFor({ command: ['echo'] }))).toEqual({ code: 'ACTION_ERROR', type: 'InvalidInput', message: 'command must be a string, got array' });
    expect(await refusal(ctxFor({ command: '' }))).toEqual({ code: 'ACTION_ERROR', type: 'InvalidInput', message: 'command is required' });
    expect(await refusal(ctxFor({}))).toEqual({ code: 'ACTION_ERROR', type: 'InvalidInput', message: 'command is required' });
    expect(await refusal(ctxFor({ command: 'echo', apmSamplingPriority: 1.5 }))).toEqual({ code: 'ACTION_ERROR', type: 'InvalidInput', message: 'apmSamplingPriority must be an integer' });
  });

  it("sets the trace's sampling priority from apmSamplingPriority", async () => {
    const c = ctxFor({ command: 'true', apmSamplingPriority: -1 });
    await runCommand.run(c);
    expect(c.tracer.samplingPriority(c.span)).toBe(-1);
  });
});

describe('how a run ends', () => {
  it('a parse error is a ParseError with the parser\'s position', async () => {
    expect(await refusal(ctxFor({ command: 'echo (' }))).toMatchObject({ code: 'ACTION_ERROR', type: 'ParseError', message: expect.stringMatching(/^failed to parse command: 1:\d+: /) });
  });

  it('a run aborted for another reason than its deadline still ends as the task timing out', async () => {
    const abort = new AbortController();
    abort.abort(new Error('shutting down'));
    expect(await refusal(ctxFor({ command: 'echo hi' }, { signal: abort.signal }))).toEqual({ code: 'INTERNAL_ERROR', type: 'TimeoutError', message: 'task execution exceeded its deadline' });
  });

  it('a run past its deadline times out by itself, even with its signal never aborted', async () => {
    const loop = 'for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done';
    const t0 = Date.now();
    expect(await refusal(ctxFor({ command: loop }, { deadlineMs: 100 }))).toMatchObject({ code: 'INTERNAL_ERROR', type: 'TimeoutError' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a stream of exactly what a result can carry is whole; one byte more is cut and flagged, stdout or stderr', async () => {
    // 256 lines of 1,024 bytes: 256 KiB.
    const lines = (n: number, redirect = '') => `w=$(echo ${'x'.repeat(1023)}); for i in {1..${n}}; do echo $w${redirect}; done`;
    const whole = await runCommand.run(ctxFor({ command: lines(256) }));
    expect(whole).toMatchObject({ exitCode: 0, stderr: '' });
    expect((whole.stdout as string).length).toBe(MAX_RESULT_BYTES);
    expect(whole).not.toHaveProperty('truncated');
    const over = await runCommand.run(ctxFor({ command: `${lines(256)}; echo` }));
    expect((over.stdout as string).length).toBe(MAX_RESULT_BYTES);
    expect(over.truncated).toBe(true);
    const err = await runCommand.run(ctxFor({ command: `${lines(256, ' >&2')}; echo >&2` }));
    expect(err).toMatchObject({ stdout: '', truncated: true });
  });
});

describe('spans', () => {
  it('makes none under a trace that will not be sent', async () => {
    const c = ctxFor({ command: 'echo hi' });
    await runCommand.run(c);
    expect(c.tracer.spans.map((s) => s.name)).toEqual(['action.run']);
  });

  it('makes command spans by default, and only the run span when detailed telemetry is off', async () => {
    const on = ctxFor({ command: 'echo hi' }, { tracer: new SendingTracer() });
    await runCommand.run(on);
    expect(on.tracer.spans.map((s) => s.name)).toEqual(['action.run', 'run', 'command']);
    const off = ctxFor({ command: 'echo hi' }, { tracer: new SendingTracer(), detailed: false });
    await runCommand.run(off);
    expect(off.tracer.spans.map((s) => s.name)).toEqual(['action.run', 'run']);
  });

  it("counts the spans it could not make against the invocation's budget", async () => {
    const budget = { remaining: 0, refused: 0 };
    const c = ctxFor({ command: 'echo a; echo b' }, { tracer: new SendingTracer(), budget });
    await runCommand.run(c);
    expect(c.tracer.spans.map((s) => s.name)).toEqual(['action.run', 'run']);
    expect(budget.refused).toBe(2);
  });
});
