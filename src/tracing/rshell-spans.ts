/**
 * rshell span adapter: turns the interpreter's hook calls (src/rshell/hooks.ts) into spans
 * under service `rshell` with rshell's operations, resources and `rshell.*` tags
 * (specs/rshell.md §5). Tokens carry the parent span, so nesting follows the interpreter's
 * structure rather than async context. Argument values and script text never become tags.
 */
import type { CommandStartInfo, RshellHooks, RunEndInfo, RunStartInfo } from '../rshell/hooks.js';
import { isAlnum } from '../rshell/syntax/chars.js';
import { SpanLog, type SpanMaker } from './rshell-span-log.js';
import { NOOP_SPAN, cut } from './span.js';
import type { Span, StartSpanOptions, Tracer } from './types.js';

export const RSHELL_SERVICE = 'rshell';
/** Spans per run beyond which starts become no-ops (rshell's maxTelemetrySpans). */
export const MAX_RSHELL_SPANS_PER_RUN = 10_000;
/** Longest command name kept as resource/tag; argv[0] is script-controlled. */
const MAX_NAME_CHARS = 128;

export interface RshellHooksOptions {
  /** Default `rshell`. */
  service?: string;
  /** Default 10,000 (the run span included). */
  maxSpans?: number;
  /**
   * The span the run span nests under. Default: the active span (AsyncLocalStorage). An
   * explicit parent keeps a caller that never enters an async context (the executor) free of
   * Node 20's per-promise hook cost.
   */
  parent?: Span;
  /**
   * Default true. false: only the `run` span (outcome, exit code, command counters), no
   * command or control-flow spans — what a task costs in spans no longer grows with its
   * script.
   */
  detailed?: boolean;
  /**
   * Shared by every run it is given to (the executor: the runs of one invocation). Each
   * command or control-flow span takes one; once none are left, further starts are no-ops,
   * like starts past `maxSpans`. The run span is never charged: it carries the outcome and
   * the counters whatever the script did.
   */
  budget?: SpanBudget;
}

/** Spans left to a group of runs, and the starts it turned away. */
export interface SpanBudget {
  remaining: number;
  /** Starts that made no span while nothing was left. */
  refused: number;
}

interface RunState {
  spans: number;
  /** Starts that made no span (per-run cap, shared budget, or under such a start). */
  dropped: number;
  /** Where the run's command and control-flow spans are recorded (detailed hooks). */
  log: SpanLog | undefined;
}

export interface RshellSpanToken {
  /** The run span, a span made at once, or NOOP_SPAN; undefined for a record in the run's log. */
  readonly span: Span | undefined;
  readonly run: RunState;
  /** The record's index in `run.log`, or -1. */
  readonly idx: number;
}

/**
 * The span hooks of one run or group of runs. Hooks are objects of two classes, not
 * closures made per task: their methods stay compiled across tasks (V8 dropped the optimised
 * code of per-task closures at major GCs and compiled them again), and the interpreter's loads
 * of `hooks.commandStart` and the like see two hidden classes, not a new object each time.
 */
export function rshellHooks(tracer: Tracer, opts?: RshellHooksOptions): RshellHooks<RshellSpanToken> {
  const service = opts?.service ?? RSHELL_SERVICE;
  const max = opts?.maxSpans ?? MAX_RSHELL_SPANS_PER_RUN;
  return opts?.detailed === false
    ? new RunSpanHooks(tracer, service, max, opts?.parent, opts?.budget)
    : new DetailedSpanHooks(tracer, service, max, opts?.parent, opts?.budget);
}

/** Only the `run` span (outcome, exit code, command counters). */
class RunSpanHooks implements RshellHooks<RshellSpanToken> {
  constructor(
    protected readonly tracer: Tracer,
    protected readonly service: string,
    protected readonly max: number,
    private readonly parent: Span | undefined,
    protected readonly budget: SpanBudget | undefined,
  ) {}

  runStart(info: RunStartInfo): RshellSpanToken {
    const run: RunState = { spans: 0, dropped: 0, log: undefined };
    if (this.max <= 0) return { span: NOOP_SPAN, run, idx: -1 };
    run.spans = 1;
    const span = this.tracer.startSpan('run', {
      service: this.service,
      resource: 'run',
      tags: { 'rshell.version': info.version },
      // Unset childOf would also pick the active span; explicit keeps a root run a root.
      childOf: this.parent ?? this.tracer.activeSpan(),
    });
    return { span, run, idx: -1 };
  }

  runEnd(t: RshellSpanToken, info: RunEndInfo): void {
    const s = t.span;
    if (s === undefined) return;
    s.setTag('rshell.run.outcome', info.outcome)
      .setTag('rshell.run.exit_code', info.exitCode)
      .setTag('rshell.run.commands.total', info.commands.total)
      .setTag('rshell.run.commands.dispatched', info.commands.dispatched)
      .setTag('rshell.run.commands.unallowed', info.commands.unallowed)
      .setTag('rshell.run.commands.unknown', info.commands.unknown);
    // Not in rshell's layout: says why a trace lacks command detail (the caps above).
    if (t.run.dropped > 0) s.setTag('rshell.run.spans_dropped', t.run.dropped);
    // A script exiting non-zero is still a success; only abnormal outcomes are errors.
    if (info.outcome !== 'success') s.setError({ code: info.outcome });
    s.finish();
  }
}

/** Kinds of detail span, as a run's log records them. */
const COMMAND = 0;
const PIPELINE = 1;
const IF = 2;
const FOR = 3;
const FOR_ITERATION = 4;

/** A record's flags: a command's four booleans, and a `for` that broke early. */
const ALLOWED = 1;
const KNOWN = 2;
const STDIN_PIPE = 4;
const OUTPUT_REDIRECT = 8;
const BROKE_EARLY = 16;

/** A command span's tags, in rshell's order; the values are filled per command. */
const COMMAND_TAGS: ReadonlyArray<string | number | boolean> = [
  'rshell.command.name',
  '',
  'rshell.command.argc',
  0,
  'rshell.command.is_allowed',
  false,
  'rshell.command.is_known',
  false,
  'rshell.command.has_stdin_pipe',
  false,
  'rshell.command.has_output_redirect',
  false,
];

/**
 * Each kind's resource, start tag and end tag (by kind). A command's resource is its name and
 * its start tags are COMMAND_TAGS; a `for` also ends with `rshell.for.broke_early`.
 */
const KINDS: ReadonlyArray<{ resource: string; startTag: string; endTag: string | undefined }> = [
  { resource: '', startTag: '', endTag: 'rshell.command.exit_code' },
  { resource: 'pipeline', startTag: 'rshell.pipeline.stage_count', endTag: 'rshell.pipeline.exit_code' },
  { resource: 'if', startTag: 'rshell.if.branch_count', endTag: 'rshell.if.branch_taken' },
  { resource: 'for', startTag: 'rshell.for.variable_name', endTag: 'rshell.for.iteration_count' },
  { resource: 'for.iteration', startTag: 'rshell.for.iteration.index', endTag: undefined },
];

/**
 * The run span, and a span per command and control-flow construct. Starts and ends are
 * recorded in the run's log, which makes them into spans when the run ends (see
 * rshell-span-log.ts for why); the caps and the budget are still decided at each start.
 */
class DetailedSpanHooks extends RunSpanHooks implements SpanMaker {
  /**
   * One command's tags as flat pairs (StartSpanOptions.tagList), refilled for every command:
   * startSpan copies them, so one array serves every span of these hooks (an object, or an
   * array, per span showed in the tracer's cost).
   */
  private readonly commandTags = [...COMMAND_TAGS];
  /** A control-flow span's one start tag, likewise. */
  private readonly controlTags: Array<string | number> = ['', 0];
  /** The options of every start, refilled likewise (startSpan keeps neither). */
  private readonly startOpts: StartSpanOptions = { service: this.service, resource: '', tagList: undefined, childOf: undefined, startTimeMs: undefined };

  override runStart(info: RunStartInfo): RshellSpanToken {
    const t = super.runStart(info);
    if (t.span !== NOOP_SPAN) t.run.log = new SpanLog(this, t.span!);
    return t;
  }

  override runEnd(t: RshellSpanToken, info: RunEndInfo): void {
    try {
      t.run.log?.close();
    } finally {
      super.runEnd(t, info);
    }
  }

  commandStart(info: CommandStartInfo, parent: RshellSpanToken): RshellSpanToken {
    const bits =
      (info.isAllowed ? ALLOWED : 0) | (info.isKnown ? KNOWN : 0) | (info.hasStdinPipe ? STDIN_PIPE : 0) | (info.hasOutputRedirect ? OUTPUT_REDIRECT : 0);
    return this.child(parent, COMMAND, info.argc, bits, commandName(info.name), flagNames(info.flags));
  }

  commandEnd(t: RshellSpanToken, info: { exitCode: number }): void {
    this.close(t, COMMAND, info.exitCode, 0);
  }

  pipelineStart(info: { stageCount: number }, parent: RshellSpanToken): RshellSpanToken {
    return this.child(parent, PIPELINE, info.stageCount, 0, '', '');
  }

  pipelineEnd(t: RshellSpanToken, info: { exitCode: number }): void {
    this.close(t, PIPELINE, info.exitCode, 0);
  }

  ifStart(info: { branchCount: number }, parent: RshellSpanToken): RshellSpanToken {
    return this.child(parent, IF, info.branchCount, 0, '', '');
  }

  ifEnd(t: RshellSpanToken, info: { branchTaken: number }): void {
    this.close(t, IF, info.branchTaken, 0);
  }

  forStart(info: { variableName: string }, parent: RshellSpanToken): RshellSpanToken {
    return this.child(parent, FOR, 0, 0, utf8(info.variableName), '');
  }

  forEnd(t: RshellSpanToken, info: { iterationCount: number; brokeEarly: boolean }): void {
    this.close(t, FOR, info.iterationCount, info.brokeEarly ? BROKE_EARLY : 0);
  }

  forIterationStart(info: { index: number }, parent: RshellSpanToken): RshellSpanToken {
    return this.child(parent, FOR_ITERATION, info.index, 0, '', '');
  }

  forIterationEnd(t: RshellSpanToken): void {
    this.close(t, FOR_ITERATION, 0, 0);
  }

  /** SpanMaker: a record's span, child of `parent` (undefined: the active span). */
  make(kind: number, parent: Span | undefined, startMs: number | undefined, num: number, bits: number, text: string, flags: string): Span {
    const opts = this.startOpts;
    let name = 'control_flow';
    if (kind === COMMAND) {
      name = 'command';
      const tags = this.commandTags;
      tags[1] = text;
      tags[3] = num;
      tags[5] = (bits & ALLOWED) !== 0;
      tags[7] = (bits & KNOWN) !== 0;
      tags[9] = (bits & STDIN_PIPE) !== 0;
      tags[11] = (bits & OUTPUT_REDIRECT) !== 0;
      // Setting an array's length is a runtime call: only when the last command had flags.
      if (tags.length !== COMMAND_TAGS.length) tags.length = COMMAND_TAGS.length;
      if (flags !== '') tags.push('rshell.command.flags', flags);
      opts.resource = text;
      opts.tagList = tags;
    } else {
      const cf = KINDS[kind];
      this.controlTags[0] = cf.startTag;
      this.controlTags[1] = kind === FOR ? text : num;
      opts.resource = cf.resource;
      opts.tagList = this.controlTags;
    }
    opts.childOf = parent;
    opts.startTimeMs = startMs;
    const span = this.tracer.startSpan(name, opts);
    // Nothing held past the start (a parent span, a script's command name).
    opts.childOf = undefined;
    opts.tagList = undefined;
    opts.resource = '';
    return span;
  }

  /** SpanMaker: a span's end tags, and its finish (at `endMs`, or now). */
  end(span: Span, kind: number, num: number, bits: number, endMs?: number): void {
    const tag = KINDS[kind].endTag;
    if (tag !== undefined) span.setTag(tag, num);
    if (kind === FOR) span.setTag('rshell.for.broke_early', (bits & BROKE_EARLY) !== 0);
    span.finish(endMs);
  }

  private close(t: RshellSpanToken, kind: number, num: number, bits: number): void {
    if (t.idx >= 0) t.run.log!.end(t.idx, kind, num, bits);
    else if (t.span !== undefined) this.end(t.span, kind, num, bits);
  }

  /** A command or control-flow record (or span), unless a cap or the shared budget says no. */
  private child(parent: RshellSpanToken | undefined, kind: number, num: number, bits: number, text: string, flags: string): RshellSpanToken {
    // A start without a run token (should not happen) still gets its own cap.
    const run = parent?.run ?? { spans: 0, dropped: 0, log: undefined };
    const budget = this.budget;
    const spent = budget !== undefined && budget.remaining <= 0;
    if (run.spans >= this.max || spent || (parent !== undefined && parent.span === NOOP_SPAN)) {
      run.dropped += 1;
      if (spent) budget.refused += 1;
      return { span: NOOP_SPAN, run, idx: -1 };
    }
    run.spans += 1;
    if (budget !== undefined) budget.remaining -= 1;
    const log = run.log;
    if (parent !== undefined && log !== undefined && !log.runEnded && (parent.idx >= 0 || parent.span === log.runSpan)) {
      return { span: undefined, run, idx: log.add(kind, parent.idx, num, bits, text, flags) };
    }
    // Outside a run's log, at once, as no pass would come: a start hook threw (no token), or
    // the run has ended and a stage of an aborted pipeline still starts a command.
    const parentSpan = parent === undefined ? this.tracer.activeSpan() : parent.idx >= 0 ? log?.spanOf(parent.idx) : parent.span;
    return { span: this.make(kind, parentSpan ?? log?.runSpan, undefined, num, bits, text, flags), run, idx: -1 };
  }
}

/** bstr (one char per byte) → JS string, so spans carry valid UTF-8 text. */
function utf8(s: string): string {
  // Pure ASCII is the common case and needs no conversion.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

function commandName(bstrName: string): string {
  return cut(utf8(bstrName), MAX_NAME_CHARS);
}

/**
 * Comma-joined flag names. The interpreter already strips values; this re-checks, so that a
 * value can never leak through a mistaken caller: only `-x`/`--long` shapes survive, cut at `=`.
 */
function flagNames(flags: string[]): string {
  let out = '';
  for (const f of flags) {
    const eq = f.indexOf('=');
    const name = eq >= 0 ? f.slice(0, eq) : f;
    if (!isFlagName(name)) continue;
    out += (out === '' ? '' : ',') + name;
  }
  return out;
}

/** `-x` or `--long`: one or two dashes, an ASCII letter or digit, then those, `_` or `-`. */
function isFlagName(s: string): boolean {
  if (s.charCodeAt(0) !== 0x2d) return false;
  let i = s.charCodeAt(1) === 0x2d ? 2 : 1;
  if (i >= s.length || !isAlnum(s.charCodeAt(i))) return false;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c) && c !== 0x5f && c !== 0x2d) return false;
  }
  return true;
}
