/**
 * The rshell span adapter driven through the hook calls directly: span tree, operations,
 * resources, `rshell.*` tags, error only on abnormal outcomes, per-run cap, privacy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandStartInfo } from '../src/rshell/hooks.js';
import { createTracer } from '../src/tracing/create-tracer.js';
import { rshellHooks, type Tracer } from '../src/tracing/index.js';
import { BUILD_EVERY } from '../src/tracing/rshell-span-log.js';
import type { IntakeSpan } from '../src/tracing/local-intake.js';
import { useLocalIntake } from './helpers/stack.js';

const intake = useLocalIntake();

async function flushed(t: Tracer): Promise<IntakeSpan[]> {
  const r = await t.flush({ deadline: Date.now() + 10_000 });
  expect(r.failure).toBeUndefined();
  return intake.spans();
}

function cmd(name: string, over: Partial<CommandStartInfo> = {}): CommandStartInfo {
  return { name, argc: 0, flags: [], isAllowed: true, isKnown: true, hasStdinPipe: false, hasOutputRedirect: false, ...over };
}

const COUNTERS = { total: 3, dispatched: 2, unallowed: 1, unknown: 0 };

describe('rshell span adapter', () => {
  it('builds the nested tree under action.run with rshell operations, resources and tags', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    let actionId = 0n;
    await t.withSpan('action.run', { resource: 'com.datadoghq.remoteaction.rshell.runCommand' }, async (action) => {
      actionId = action.spanId;
      await t.withService('rshell', async () => {
        const run = h.runStart!({ version: '0.0.13' });
        const forTok = h.forStart!({ variableName: 'f' }, run);
        const it0 = h.forIterationStart!({ index: 0 }, forTok);
        const ifTok = h.ifStart!({ branchCount: 3 }, it0);
        const pipe = h.pipelineStart!({ stageCount: 2 }, ifTok);
        const c1 = h.commandStart!(cmd('grep', { argc: 3, flags: ['-i', '--max-count=5', '-e'], hasOutputRedirect: true }), pipe);
        const c2 = h.commandStart!(cmd('wc', { argc: 1, flags: ['-l'], hasStdinPipe: true }), pipe);
        h.commandEnd!(c1, { exitCode: 0 });
        h.commandEnd!(c2, { exitCode: 0 });
        h.pipelineEnd!(pipe, { exitCode: 0 });
        h.ifEnd!(ifTok, { branchTaken: -1 });
        h.forIterationEnd!(it0);
        const it1 = h.forIterationStart!({ index: 1 }, forTok);
        const blocked = h.commandStart!(cmd('curl', { argc: 1, isAllowed: false, isKnown: false }), it1);
        h.commandEnd!(blocked, { exitCode: 127 });
        h.forIterationEnd!(it1);
        h.forEnd!(forTok, { iterationCount: 2, brokeEarly: true });
        h.runEnd!(run, { exitCode: 127, outcome: 'success', commands: COUNTERS });
      });
    });
    const spans = await flushed(t);
    const byRes = new Map(spans.map((s) => [s.resource, s]));
    const action = byRes.get('com.datadoghq.remoteaction.rshell.runCommand')!;
    const run = byRes.get('run')!;
    const forS = byRes.get('for')!;
    const iters = spans.filter((s) => s.resource === 'for.iteration');
    const ifS = byRes.get('if')!;
    const pipe = byRes.get('pipeline')!;
    const grep = byRes.get('grep')!;
    const wc = byRes.get('wc')!;
    const curl = byRes.get('curl')!;
    expect(spans).toHaveLength(10);
    expect(action.span_id).toBe(actionId);

    // Tree: command → pipeline → if → for.iteration → for → run → action.run.
    expect(run.parent_id).toBe(action.span_id);
    expect(forS.parent_id).toBe(run.span_id);
    expect(iters.map((s) => s.parent_id)).toEqual([forS.span_id, forS.span_id]);
    expect(ifS.parent_id).toBe(iters[0].span_id);
    expect(pipe.parent_id).toBe(ifS.span_id);
    expect(grep.parent_id).toBe(pipe.span_id);
    expect(wc.parent_id).toBe(pipe.span_id);
    expect(curl.parent_id).toBe(iters[1].span_id);
    for (const s of spans) expect(s.trace_id).toBe(action.trace_id);
    for (const s of spans.filter((x) => x !== action)) expect(s.service).toBe('rshell');

    expect({ name: run.name, meta: run.meta, metrics: run.metrics, error: run.error }).toEqual({
      name: 'run',
      meta: { 'rshell.version': '0.0.13', 'rshell.run.outcome': 'success' },
      metrics: {
        _top_level: 1,
        'rshell.run.exit_code': 127,
        'rshell.run.commands.total': 3,
        'rshell.run.commands.dispatched': 2,
        'rshell.run.commands.unallowed': 1,
        'rshell.run.commands.unknown': 0,
        _sampling_priority_v1: 2,
      },
      error: 0,
    });
    expect({ name: forS.name, meta: forS.meta, metrics: forS.metrics }).toEqual({
      name: 'control_flow',
      meta: { 'rshell.for.variable_name': 'f', 'rshell.for.broke_early': 'true' },
      metrics: { 'rshell.for.iteration_count': 2, _sampling_priority_v1: 2 },
    });
    expect(iters.map((s) => [s.name, s.metrics['rshell.for.iteration.index']])).toEqual([
      ['control_flow', 0],
      ['control_flow', 1],
    ]);
    expect(ifS.metrics).toEqual({ 'rshell.if.branch_count': 3, 'rshell.if.branch_taken': -1, _sampling_priority_v1: 2 });
    expect(pipe.metrics).toEqual({ 'rshell.pipeline.stage_count': 2, 'rshell.pipeline.exit_code': 0, _sampling_priority_v1: 2 });
    expect({ name: grep.name, meta: grep.meta, metrics: grep.metrics }).toEqual({
      name: 'command',
      meta: {
        'rshell.command.name': 'grep',
        'rshell.command.is_allowed': 'true',
        'rshell.command.is_known': 'true',
        'rshell.command.has_stdin_pipe': 'false',
        'rshell.command.has_output_redirect': 'true',
        'rshell.command.flags': '-i,--max-count,-e',
      },
      metrics: { 'rshell.command.argc': 3, 'rshell.command.exit_code': 0, _sampling_priority_v1: 2 },
    });
    expect(wc.meta['rshell.command.has_stdin_pipe']).toBe('true');
    expect(wc.meta['rshell.command.flags']).toBe('-l');
    expect(curl.meta).toMatchObject({ 'rshell.command.is_allowed': 'false', 'rshell.command.is_known': 'false' });
    expect(curl.meta['rshell.command.flags']).toBeUndefined();
    expect(curl.metrics['rshell.command.exit_code']).toBe(127);
    expect(curl.error).toBe(0);
  });

  it('marks the run span as an error only for abnormal outcomes', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    for (const outcome of ['success', 'output_limit', 'timeout', 'canceled', 'fatal'] as const) {
      const run = h.runStart!({ version: 'v' });
      h.runEnd!(run, { exitCode: outcome === 'success' ? 1 : 0, outcome, commands: COUNTERS });
    }
    const spans = await flushed(t);
    expect(spans.map((s) => [s.meta['rshell.run.outcome'], s.error, s.meta['error.type']])).toEqual([
      ['success', 0, undefined],
      ['output_limit', 1, 'output_limit'],
      ['timeout', 1, 'timeout'],
      ['canceled', 1, 'canceled'],
      ['fatal', 1, 'fatal'],
    ]);
    // Without an active span each run is its own root, on service rshell.
    for (const s of spans) expect(s).toMatchObject({ parent_id: 0n, service: 'rshell', metrics: { _top_level: 1 } });
    expect(new Set(spans.map((s) => s.trace_id)).size).toBe(5);
  });

  it('caps spans per run; excess starts are no-ops, and their children too', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t, { maxSpans: 4 });
    const run = h.runStart!({ version: 'v' });
    const forTok = h.forStart!({ variableName: 'i' }, run);
    for (let i = 0; i < 5; i++) {
      const it = h.forIterationStart!({ index: i }, forTok);
      const c = h.commandStart!(cmd('echo'), it);
      h.commandEnd!(c, { exitCode: 0 });
      h.forIterationEnd!(it);
    }
    h.forEnd!(forTok, { iterationCount: 5, brokeEarly: false });
    h.runEnd!(run, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    // A second run through the same hooks gets a fresh budget.
    const run2 = h.runStart!({ version: 'v' });
    h.commandEnd!(h.commandStart!(cmd('true'), run2), { exitCode: 0 });
    h.runEnd!(run2, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    const spans = await flushed(t);
    expect(spans.map((s) => s.resource)).toEqual(['echo', 'for.iteration', 'for', 'run', 'true', 'run']);
    // Four iteration starts past the cap, and the echo under each: counted on the run span.
    expect(spans.filter((s) => s.resource === 'run').map((s) => s.metrics['rshell.run.spans_dropped'])).toEqual([8, undefined]);
  });

  it('shares a budget between runs: detail spans past it are dropped and counted, run spans never', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const budget = { remaining: 3, refused: 0 };
    const h = rshellHooks(t, { budget });
    const first = h.runStart!({ version: 'v' });
    h.commandEnd!(h.commandStart!(cmd('one'), first), { exitCode: 0 });
    h.commandEnd!(h.commandStart!(cmd('two'), first), { exitCode: 0 });
    const second = h.runStart!({ version: 'v' });
    const pipe = h.pipelineStart!({ stageCount: 2 }, second);
    const a = h.commandStart!(cmd('three'), pipe);
    const b = h.commandStart!(cmd('four'), pipe);
    h.commandEnd!(a, { exitCode: 0 });
    h.commandEnd!(b, { exitCode: 0 });
    h.pipelineEnd!(pipe, { exitCode: 0 });
    h.runEnd!(second, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    h.runEnd!(first, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    expect(budget).toEqual({ remaining: 0, refused: 2 });
    const spans = await flushed(t);
    expect(spans.map((s) => s.resource).sort()).toEqual(['one', 'pipeline', 'run', 'run', 'two']);
    const runOf = (resource: string) => spans.find((s) => s.resource === 'run' && s.trace_id === spans.find((x) => x.resource === resource)!.trace_id)!;
    const firstRun = runOf('one');
    const secondRun = runOf('pipeline');
    expect(firstRun).not.toBe(secondRun);
    expect(secondRun.metrics['rshell.run.spans_dropped']).toBe(2);
    expect(firstRun.metrics['rshell.run.spans_dropped']).toBeUndefined();
    expect(spans.find((s) => s.resource === 'pipeline')!.parent_id).toBe(secondRun.span_id);
  });

  it('never puts argument values, script text or raw bytes in tags', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    // A name in bstr form (UTF-8 bytes as latin1 chars), flags with glued values and junk.
    const name = Buffer.from('caf\u00e9', 'utf8').toString('latin1');
    const c = h.commandStart!(
      cmd(name, { argc: 2, flags: ['--password=hunter2', '-p', 'secretvalue', '-', '--', '--x y'] }),
      run,
    );
    h.commandEnd!(c, { exitCode: 1 });
    const long = h.commandStart!(cmd('a'.repeat(500)), run);
    h.commandEnd!(long, { exitCode: 127 });
    // The cut at 128 falls inside an emoji's surrogate pair: the half is dropped, not sent as U+FFFD.
    const split = h.commandStart!(cmd('b'.repeat(127) + Buffer.from('\u{1F600}', 'utf8').toString('latin1')), run);
    h.commandEnd!(split, { exitCode: 127 });
    h.runEnd!(run, { exitCode: 1, outcome: 'success', commands: COUNTERS });
    const spans = await flushed(t);
    const cafe = spans.find((s) => s.meta['rshell.command.name'] === 'caf\u00e9')!;
    expect(cafe.resource).toBe('caf\u00e9');
    expect(cafe.meta['rshell.command.flags']).toBe('--password,-p');
    const body = intake.requests().map((r) => r.body.toString()).join('');
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('secretvalue');
    expect(spans.find((s) => s.resource.startsWith('aaa'))!.resource).toBe('a'.repeat(128));
    const bbb = spans.find((s) => s.resource.startsWith('bbb'))!;
    expect([bbb.resource, bbb.meta['rshell.command.name']]).toEqual(['b'.repeat(127), 'b'.repeat(127)]);
  });

  it('keeps exactly the flags shaped -x / --long (cut at =), as the pattern ^--?[A-Za-z0-9][A-Za-z0-9_-]*$ says', async () => {
    // The filter is a character loop (a regular expression per flag showed in the span
    // cost); generated flags from an alphabet around its edges hold it to the pattern.
    const shape = /^--?[A-Za-z0-9][A-Za-z0-9_-]*$/;
    const alphabet = ['-', '-', '_', '=', 'a', 'Z', '0', '9', '/', '@', '[', '`', '{', ':', ' ', '\u00e9'];
    const flagArb = fc
      .tuple(fc.constantFrom('', '-', '--', '---'), fc.array(fc.constantFrom(...alphabet), { maxLength: 5 }))
      .map(([dashes, cs]) => dashes + cs.join(''));
    const cases = fc.sample(fc.array(flagArb, { minLength: 1, maxLength: 5 }), { numRuns: 300, seed: 7 });
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    cases.forEach((flags, i) => h.commandEnd!(h.commandStart!(cmd(`c${i}`, { flags }), run), { exitCode: 0 }));
    h.runEnd!(run, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    const byName = new Map((await flushed(t)).map((s) => [s.resource, s.meta['rshell.command.flags']]));
    let kept = 0;
    cases.forEach((flags, i) => {
      const want = flags.map((f) => (f.includes('=') ? f.slice(0, f.indexOf('=')) : f)).filter((f) => shape.test(f));
      kept += want.length;
      expect([i, byName.get(`c${i}`)]).toEqual([i, want.length > 0 ? want.join(',') : undefined]);
    });
    // The sample reaches both sides of the pattern.
    expect(kept).toBeGreaterThan(50);
    expect(kept).toBeLessThan(cases.flat().length - 50);
  });

  it('command spans carry DD_TAGS too, their own tags taking precedence over a tag of the same key', async () => {
    const t = createTracer({ intakeUrl: intake.url, tags: { team: 'sre', 'rshell.command.name': 'from-dd-tags' } });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    const c = h.commandStart!(cmd('grep', { argc: 2, flags: ['-c'], hasStdinPipe: true }), run);
    h.commandEnd!(c, { exitCode: 1 });
    h.runEnd!(run, { exitCode: 1, outcome: 'success', commands: COUNTERS });
    const grep = (await flushed(t)).find((s) => s.name === 'command')!;
    expect(grep.meta).toMatchObject({
      team: 'sre',
      'rshell.command.name': 'grep',
      'rshell.command.is_allowed': 'true',
      'rshell.command.is_known': 'true',
      'rshell.command.has_stdin_pipe': 'true',
      'rshell.command.has_output_redirect': 'false',
      'rshell.command.flags': '-c',
    });
    expect(grep.metrics).toMatchObject({ 'rshell.command.argc': 2, 'rshell.command.exit_code': 1 });
  });

  it('takes times at the hook calls, though spans are made when the run ends', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    const c = h.commandStart!(cmd('sleep'), run);
    await new Promise((r) => setTimeout(r, 20));
    h.commandEnd!(c, { exitCode: 0 });
    await new Promise((r) => setTimeout(r, 40));
    h.runEnd!(run, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    const spans = await flushed(t);
    const runS = spans.find((s) => s.resource === 'run')!;
    const sleep = spans.find((s) => s.resource === 'sleep')!;
    const ms = (ns: bigint) => Number(ns) / 1e6;
    expect(ms(sleep.start - runS.start)).toBeGreaterThanOrEqual(0);
    expect(ms(sleep.duration)).toBeGreaterThanOrEqual(19);
    // Ended 40 ms before the run: not stamped when the run's end made it.
    expect(ms(runS.start + runS.duration - (sleep.start + sleep.duration))).toBeGreaterThanOrEqual(35);
  });

  it(`a run of more than ${BUILD_EVERY} records sends its spans as it goes, parents linked across passes`, async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    const forTok = h.forStart!({ variableName: 'i' }, run);
    const n = 3 * BUILD_EVERY;
    for (let i = 0; i < n; i++) {
      const it = h.forIterationStart!({ index: i }, forTok);
      h.commandEnd!(h.commandStart!(cmd(`c${i}`), it), { exitCode: i % 3 });
      h.forIterationEnd!(it);
    }
    // Passes at every BUILD_EVERY records: all but the last pass's records are spans already.
    const before = t.pendingCount();
    expect(before).toBeGreaterThan(2 * n - BUILD_EVERY);
    expect(before).toBeLessThan(2 * n);
    h.forEnd!(forTok, { iterationCount: n, brokeEarly: false });
    h.runEnd!(run, { exitCode: 0, outcome: 'success', commands: COUNTERS });
    const spans = await flushed(t);
    expect(spans).toHaveLength(2 * n + 2);
    const forS = spans.find((s) => s.resource === 'for')!;
    const iters = new Map(spans.filter((s) => s.resource === 'for.iteration').map((s) => [s.metrics['rshell.for.iteration.index'], s]));
    expect(iters.size).toBe(n);
    for (const s of iters.values()) expect(s.parent_id).toBe(forS.span_id);
    for (let i = 0; i < n; i++) {
      const c = spans.find((s) => s.resource === `c${i}`)!;
      expect([i, c.parent_id, c.metrics['rshell.command.exit_code']]).toEqual([i, iters.get(i)!.span_id, i % 3]);
    }
    expect(forS.metrics['rshell.for.iteration_count']).toBe(n);
  });

  it('a span open at a pass keeps its children; one open at the run end is finished at its own end, and keeps children started after it', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    for (let i = 0; i < BUILD_EVERY - 1; i++) h.commandEnd!(h.commandStart!(cmd('fill'), run), { exitCode: 0 });
    // The pipeline is the pass's last record, made while open; its stage is the next pass's first.
    const pipe = h.pipelineStart!({ stageCount: 2 }, run);
    const first = h.commandStart!(cmd('first'), pipe);
    h.commandEnd!(first, { exitCode: 0 });
    h.pipelineEnd!(pipe, { exitCode: 3 });
    // An aborted run can end before a stage does.
    const late = h.pipelineStart!({ stageCount: 2 }, run);
    const stage = h.commandStart!(cmd('late'), late);
    h.runEnd!(run, { exitCode: 124, outcome: 'timeout', commands: COUNTERS });
    expect(t.pendingCount()).toBe(BUILD_EVERY + 2);
    // A stage's command that starts after the run's end is made at once, under its pipeline.
    const after = h.commandStart!(cmd('after'), late);
    h.commandEnd!(after, { exitCode: 0 });
    expect(t.pendingCount()).toBe(BUILD_EVERY + 3);
    h.commandEnd!(stage, { exitCode: 141 });
    h.pipelineEnd!(late, { exitCode: 141 });
    const spans = await flushed(t);
    const [p1, p2] = spans.filter((s) => s.resource === 'pipeline').sort((a, b) => Number(a.start - b.start));
    const by = (r: string) => spans.find((s) => s.resource === r)!;
    expect([by('first').parent_id, p1.metrics['rshell.pipeline.exit_code']]).toEqual([p1.span_id, 3]);
    expect([by('late').parent_id, by('late').metrics['rshell.command.exit_code']]).toEqual([p2.span_id, 141]);
    expect(p2.metrics['rshell.pipeline.exit_code']).toBe(141);
    expect([by('after').parent_id, by('after').metrics['rshell.command.exit_code']]).toEqual([p2.span_id, 0]);
    expect(spans).toHaveLength(BUILD_EVERY + 5);
  });

  it('is harmless with the noop tracer', () => {
    const t = createTracer({});
    const h = rshellHooks(t);
    const run = h.runStart!({ version: 'v' });
    const c = h.commandStart!(cmd('echo'), run);
    h.commandEnd!(c, { exitCode: 0 });
    h.runEnd!(run, { exitCode: 0, outcome: 'fatal', commands: COUNTERS });
    expect(t.pendingCount()).toBe(0);
  });
});
