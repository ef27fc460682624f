/** Hooks fire at rshell's span points with its data, and tokens thread as parents. */
import { describe, expect, it } from 'vitest';
import { createRunner, type RshellHooks } from '../src/rshell/index.js';
import { flagNames } from '../src/rshell/interp/flagnames.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Span {
  id: number;
  kind: string;
  parent: number | null;
  start: Record<string, unknown>;
  end?: Record<string, unknown>;
}

/** Hooks that record a span tree; each token is the span's id. */
function recorder() {
  const spans: Span[] = [];
  const open = (kind: string, start: object, parent: number | null) => {
    spans.push({ id: spans.length, kind, parent, start: { ...start } });
    return spans.length - 1;
  };
  const close = (id: number, end: object = {}) => {
    spans[id]!.end = { ...end };
  };
  const hooks: RshellHooks<number> = {
    runStart: (info) => open('run', info, null),
    runEnd: close,
    commandStart: (info, p) => open('command', info, p),
    commandEnd: close,
    pipelineStart: (info, p) => open('pipeline', info, p),
    pipelineEnd: close,
    ifStart: (info, p) => open('if', info, p),
    ifEnd: close,
    forStart: (info, p) => open('for', info, p),
    forEnd: close,
    forIterationStart: (info, p) => open('for.iteration', info, p),
    forIterationEnd: (t) => close(t),
  };
  return { spans, hooks };
}

describe('hooks', () => {
  it('nests command → pipeline → if → for.iteration → for → run', async () => {
    const { spans, hooks } = recorder();
    const r = await createRunner({ allowAllCommands: true, hooks }).run('for i in a b; do if true; then echo $i | cat; fi; done');
    expect(r.stdout.toString()).toBe('a\nb\n');
    const byKind = (k: string) => spans.filter((s) => s.kind === k);
    const [run] = byKind('run');
    const [loop] = byKind('for');
    expect(run).toMatchObject({ parent: null, start: { version: '0.0.10-ts' } });
    expect(run!.end).toEqual({ exitCode: 0, outcome: 'success', commands: { total: 6, dispatched: 6, unallowed: 0, unknown: 0 } });
    expect(loop).toMatchObject({ parent: run!.id, start: { variableName: 'i' }, end: { iterationCount: 2, brokeEarly: false } });
    const iterations = byKind('for.iteration');
    expect(iterations.map((s) => [s.parent, s.start.index])).toEqual([
      [loop!.id, 0],
      [loop!.id, 1],
    ]);
    const ifs = byKind('if');
    expect(ifs.map((s) => [s.parent, s.start.branchCount, s.end!.branchTaken])).toEqual([
      [iterations[0]!.id, 1, 0],
      [iterations[1]!.id, 1, 0],
    ]);
    const pipes = byKind('pipeline');
    expect(pipes.map((s) => [s.parent, s.start.stageCount, s.end!.exitCode])).toEqual([
      [ifs[0]!.id, 2, 0],
      [ifs[1]!.id, 2, 0],
    ]);
    const echo = byKind('command').find((s) => s.start.name === 'echo' && s.parent === pipes[0]!.id);
    expect(echo!.start).toEqual({
      name: 'echo',
      argc: 1,
      flags: [],
      isAllowed: true,
      isKnown: true,
      hasStdinPipe: false,
      hasOutputRedirect: true,
    });
    const cat = byKind('command').find((s) => s.start.name === 'cat' && s.parent === pipes[0]!.id);
    expect(cat!.start).toMatchObject({ hasStdinPipe: true, hasOutputRedirect: false });
    // The if condition's `true` is a child of the if span.
    expect(byKind('command').filter((s) => s.start.name === 'true').map((s) => s.parent)).toEqual([ifs[0]!.id, ifs[1]!.id]);
    expect(spans.every((s) => s.end !== undefined)).toBe(true);
  });

  it('records blocked and unknown commands, branch -1/-2 and broken loops', async () => {
    const { spans, hooks } = recorder();
    await createRunner({ allowedCommands: ['rshell:echo', 'rshell:break', 'rshell:ghost', 'rshell:false'], hooks }).run(
      'cat -n x; ghost; if false; then echo; else echo e; fi; if false; then echo; fi; for i in 1 2; do break; done',
    );
    const cmds = spans.filter((s) => s.kind === 'command');
    expect(cmds.map((s) => [s.start.name, s.start.isAllowed, s.start.isKnown, s.end!.exitCode])).toEqual([
      ['cat', false, true, 127],
      ['ghost', true, false, 127],
      ['false', true, true, 1],
      ['echo', true, true, 0],
      ['false', true, true, 1],
      ['break', true, true, 0],
    ]);
    expect(cmds[0]!.start.flags).toEqual(['-n']);
    expect(spans.filter((s) => s.kind === 'if').map((s) => s.end!.branchTaken)).toEqual([-1, -2]);
    expect(spans.find((s) => s.kind === 'for')!.end).toEqual({ iterationCount: 1, brokeEarly: true });
    expect(spans[0]!.end).toMatchObject({ commands: { total: 6, dispatched: 4, unallowed: 1, unknown: 1 } });
  });

  it('gives a pipeline nested in a stage block no span of its own, but one inside ( )', async () => {
    const { spans, hooks } = recorder();
    await createRunner({ allowAllCommands: true, hooks }).run('{ echo a | cat; } | cat; (echo b | cat) | cat');
    const pipes = spans.filter((s) => s.kind === 'pipeline');
    expect(pipes.map((s) => [s.parent, s.start.stageCount])).toEqual([
      [0, 2],
      [0, 2],
      [pipes[1]!.id, 2],
    ]);
    const inner = spans.filter((s) => s.kind === 'command' && s.start.name === 'echo');
    expect(inner.map((s) => s.parent)).toEqual([pipes[0]!.id, pipes[2]!.id]);
  });

  it('reports the outcome and status at run end', async () => {
    const { spans, hooks } = recorder();
    await createRunner({ allowAllCommands: true, hooks, timeoutMs: 20 }).run('for a in {1..1000}; do for b in {1..1000}; do true; done; done');
    expect(spans[0]!.end).toMatchObject({ exitCode: 124, outcome: 'timeout' });
  });

  it('keeps running when hooks throw', async () => {
    const boom = () => {
      throw new Error('hook failure');
    };
    const hooks: RshellHooks<unknown> = {
      runStart: boom,
      runEnd: boom,
      commandStart: boom,
      commandEnd: boom,
      forStart: boom,
      forEnd: boom,
      forIterationStart: boom,
      forIterationEnd: boom,
      pipelineStart: boom,
      pipelineEnd: boom,
      ifStart: boom,
      ifEnd: boom,
    };
    const r = await createRunner({ allowAllCommands: true, hooks }).run('for i in 1; do if true; then echo $i | cat; fi; done');
    expect([r.outcome, r.stdout.toString()]).toEqual(['success', '1\n']);
  });
});

describe('flagNames', () => {
  it('keeps flag names only', () => {
    expect(flagNames(['-n3', '--lines=5', '--verbose', '-', 'file', '-la', '--', '-x'])).toEqual(['-n', '--lines', '--verbose', '-l']);
  });
  it('is empty without flags', () => {
    expect(flagNames(['a', 'b'])).toEqual([]);
  });
});

describe('hooks when the deadline passes while a pipeline starts its stages', () => {
  it('ends every stage command before its pipeline and the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rshell-hooks-'));
    writeFileSync(join(dir, 'big.txt'), 'line of text\n'.repeat(400_000));
    const late: string[] = [];
    const open = new Set<number>();
    let ended = false;
    let id = 0;
    const hooks: RshellHooks<number> = {
      runStart: () => 0,
      runEnd: () => {
        ended = true;
        if (open.size > 0) late.push(`run ended with ${open.size} open`);
      },
      commandStart: () => (open.add(++id), id),
      commandEnd: (k) => {
        open.delete(k);
        if (ended) late.push('command ended after the run');
      },
      pipelineStart: () => (open.add(++id), id),
      pipelineEnd: (k) => {
        open.delete(k);
        if (open.size > 0) late.push(`pipeline ended with ${open.size} open`);
      },
    };
    // cat waits on a pipe with no reader yet; the second stage's words run past the deadline.
    const r = await createRunner({ allowAllCommands: true, allowedPaths: [dir], dir, timeoutMs: 30, hooks }).run(
      'cat big.txt | echo {1..100000} {1..100000} {1..100000} {1..100000} {1..100000} | wc -c | cat',
    );
    await new Promise((res) => setTimeout(res, 100));
    expect(r.outcome).toBe('timeout');
    expect(late).toEqual([]);
  });
});
