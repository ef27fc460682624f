/**
 * State shared by every shell of one run: policy, sandbox, deadline and cancellation,
 * outputs, counters, hooks. Cancellation is cooperative: `tick()` runs at every statement
 * and loop iteration; it checks the clock (so a tight loop stops at its deadline even when
 * no timer can fire) and yields to the event loop every YIELD_EVERY_TICKS ticks (so external
 * aborts and timers are seen). Counting ticks rather than time keeps the interleaving of
 * in-memory pipeline stages the same from run to run.
 */
import type { RshellHooks, RunEndInfo } from '../hooks.js';
import type { SandboxFS, TrustedProc } from '../sandbox/types.js';
import type { GlobBudget } from '../expand/glob.js';
import { ExpansionError, RunAbortError } from './errors.js';
import type { Pipe } from './pipe.js';
import { CappedOutput, MAX_STDOUT_BYTES } from './streams.js';
import { CollectWriter } from '../io.js';
import { BUFFERED_BYTES_MESSAGE, MAX_BUFFERED_BYTES, noteRefusal } from '../builtins/lib/buffered.js';
import { PROCESS_MEMORY, processMemoryMessage, type ByteBudget } from './process-memory.js';
import type { WarningSink } from './warnings.js';

/** About a millisecond of simple commands. */
const YIELD_EVERY_TICKS = 256;

export interface RunSettings {
  fs: SandboxFS;
  proc: TrustedProc;
  procPath: string;
  dir: string;
  allowAll: boolean;
  /** Allowed command names (the part after `rshell:`). */
  allowed: ReadonlySet<string>;
  hooks: RshellHooks<unknown> | undefined;
  /** Absolute ms (Date.now() clock) or Infinity. */
  deadline: number;
  signal: AbortSignal | undefined;
  /** The run's warnings list, capped. */
  warnings: WarningSink;
  /** The script text (bstr) the AST positions refer to. */
  source?: string;
  /** Bytes of stdout and of stderr each stored for the result (RunnerOptions.retainOutputBytes); default all. */
  retainOutputBytes?: number;
}

export const MAX_STDERR_BYTES = 10 * 1024 * 1024;

/**
 * Bytes one run may hold at once in expansion results (a command's fields, a `for` list),
 * heredoc bodies and command-substitution captures. Each is capped on its own, but pipeline
 * stages run concurrently and loops nest, so without a run-wide sum twenty stages each
 * echoing a 16 MiB word held 1 GB.
 */
export const MAX_HELD_BYTES = 32 * 1024 * 1024;
/**
 * What a field costs the heap beyond its bytes (a string's header and its array slot): a
 * million one-digit fields are 1 MB of text but ~40 MB live. Small enough that any one
 * expansion within its own caps (16 MiB, 1,000,000 fields) still fits MAX_HELD_BYTES.
 */
export const FIELD_COST = 16;

/** The bytes `fields[from…]` count against MAX_HELD_BYTES. */
export function fieldsCost(fields: readonly string[], from = 0): number {
  let n = 0;
  for (let i = from; i < fields.length; i++) n += fields[i]!.length + FIELD_COST;
  return n;
}

export const HELD_BYTES_MESSAGE = `expansions held at once exceed the maximum of ${MAX_HELD_BYTES} bytes`;

/** Pipeline stages one run may have running at once (each costs a few KB, and starts at once). */
export const MAX_LIVE_STAGES = 1024;

/**
 * Longest a builtin should keep the event loop before `pause` yields it. Builtins pass data
 * between pipeline stages by promises alone, which never let a timer or another task of the
 * batch run: `sed ':a;y/a/a/;ba'` or a pipeline of 4 GB held the whole process until the
 * run's deadline, however far off.
 */
export const PAUSE_AFTER_MS = 20;

export class RunState {
  readonly stdout: CappedOutput;
  /**
   * rshell leaves stderr uncapped; in a Lambda an endless error loop would exhaust memory
   * before the deadline, so excess stderr beyond MAX_STDERR_BYTES is dropped silently.
   */
  readonly stderr: CollectWriter;
  readonly controller = new AbortController();
  readonly now = new Date();
  readonly counters: RunEndInfo['commands'] = { total: 0, dispatched: 0, unallowed: 0, unknown: 0 };
  readonly globBudget: GlobBudget = { readDirCalls: 0 };
  readonly pipes = new Set<Pipe>();
  abortError: RunAbortError | null = null;
  /** Bytes held now against MAX_HELD_BYTES. */
  held = 0;
  /** Bytes builtins buffer now, against MAX_BUFFERED_BYTES. */
  buffered = 0;
  /** Pipeline stages running now, against MAX_LIVE_STAGES. */
  liveStages = 0;
  private ticks = 0;
  /** Date.now() when the run last gave the event loop a turn. */
  private lastYield = Date.now();
  /** Pending yields, resumed one a turn (resumeNext). */
  private readonly waiters: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onExternalAbort = () => this.abort(externalOutcome(this.settings.signal!));
  /** What the run counts now against the process's budget; all of it is given back at dispose. */
  private taken = 0;
  /** Set by dispose: later counts are the run's alone. */
  private disposed = false;

  /** `memory`: the process's budget for held and buffered bytes, shared by every run (process-memory.ts). */
  constructor(
    readonly settings: RunSettings,
    private readonly memory: ByteBudget = PROCESS_MEMORY,
  ) {
    const keep = settings.retainOutputBytes ?? Infinity;
    this.stdout = new CappedOutput(MAX_STDOUT_BYTES, keep, () => {
      this.abort('output_limit');
      throw this.abortError;
    });
    this.stderr = new CollectWriter(MAX_STDERR_BYTES, keep);
    if (settings.deadline !== Infinity) {
      this.timer = setTimeout(() => this.abort('timeout'), Math.max(0, settings.deadline - Date.now()));
    }
    if (settings.signal) {
      if (settings.signal.aborted) this.abort(externalOutcome(settings.signal));
      else settings.signal.addEventListener('abort', this.onExternalAbort, { once: true });
    }
  }

  get hooks(): RshellHooks<unknown> | undefined {
    return this.settings.hooks;
  }

  isAllowed(name: string): boolean {
    return this.settings.allowAll || this.settings.allowed.has(name);
  }

  abort(outcome: RunAbortError['outcome']): void {
    if (this.abortError) return;
    this.abortError = new RunAbortError(outcome);
    this.controller.abort(this.abortError);
    for (const p of this.pipes) p.abort(this.abortError);
  }

  /**
   * Counts `n` more bytes held; throws an ExpansionError (nothing counted) past MAX_HELD_BYTES,
   * or past the process's budget, which every run's held and buffered bytes share.
   */
  hold(n: number): void {
    if (this.held + n > MAX_HELD_BYTES) throw new ExpansionError(HELD_BYTES_MESSAGE);
    if (!this.take(n)) throw new ExpansionError(processMemoryMessage(this.memory.max));
    this.held += n;
  }

  /** Holds the bytes of an expansion's fields (as `hold`) and returns them, for `release`. */
  holdFields(fields: readonly string[]): number {
    const n = fieldsCost(fields);
    this.hold(n);
    return n;
  }

  release(n: number): void {
    this.held -= n;
    this.take(-n);
  }

  /**
   * Counts `n` more bytes buffered (negative: given back); false (nothing counted) past
   * MAX_BUFFERED_BYTES or the process's budget, noting which (bufferedRefusal() names it).
   */
  buffer(n: number): boolean {
    if (n > 0 && this.buffered + n > MAX_BUFFERED_BYTES) {
      noteRefusal(BUFFERED_BYTES_MESSAGE);
      return false;
    }
    if (!this.take(n)) {
      noteRefusal(processMemoryMessage(this.memory.max));
      return false;
    }
    this.buffered += n;
    return true;
  }

  /** Counts `n` bytes against the process's budget (negative: given back); false (nothing counted) past it. */
  private take(n: number): boolean {
    if (this.disposed) return true;
    if (n > 0 && this.memory.used + n > this.memory.max) return false;
    // Never gives back more than the run took: a count of its own gone wrong stays its own.
    n = Math.max(n, -this.taken);
    this.taken += n;
    this.memory.used += n;
    return true;
  }

  /** Throws the cancellation error when the run is over. */
  check(): void {
    this.checkTimeFor(0);
  }

  /**
   * check(), and the timeout now when `ms` more would pass the deadline. A stretch that
   * cannot be interrupted (one regex search) is then not started: it may have ended in time
   * (its worst case is rarely reached), but it can no longer run far past the deadline.
   */
  checkTimeFor(ms: number): void {
    if (this.abortError) throw this.abortError;
    if (Date.now() + ms >= this.settings.deadline) {
      this.abort('timeout');
      throw this.abortError;
    }
  }

  /** The per-statement checkpoint; returns a promise only when it yields. */
  tick(): Promise<void> | undefined {
    this.check();
    if (++this.ticks % YIELD_EVERY_TICKS !== 0) return undefined;
    return this.yield();
  }

  /**
   * check(), and a turn of the event loop (a promise) once the run has held it for
   * PAUSE_AFTER_MS: for builtins, whose loops and pipes otherwise never yield.
   */
  pause(): Promise<void> | undefined {
    this.check();
    return Date.now() - this.lastYield < PAUSE_AFTER_MS ? undefined : this.yield();
  }

  /**
   * check(), and a turn of the event loop now, however recent the last: for commands that
   * resume together (the waiters of a lazy load), which pause() would let through all at
   * once when the last turn was recent.
   */
  turn(): Promise<void> {
    this.check();
    return this.yield();
  }

  private yield(): Promise<void> {
    return new Promise<void>(this.enqueue).then(this.resumed);
  }

  /*
   * The yield's steps are methods bound once per run, not closures made per yield: V8 drops
   * the optimised code of closures no longer alive at each major GC and compiles them again.
   */
  private readonly enqueue = this.addWaiter.bind(this);
  private readonly resumed = this.afterYield.bind(this);
  private readonly resumeNext = this.resumeWaiter.bind(this);
  private readonly resumeAfterTimers = this.queueResume.bind(this);

  private addWaiter(resolve: () => void): void {
    if (this.waiters.push(resolve) !== 1) return;
    // Queued after I/O, an immediate runs before the loop's timers: after a long stretch
    // (one stage's regex compile) the next stage's came straight after it, two compiles
    // held the loop 2.3 s as one, and neither the deadline's timer nor another task's ran
    // in between. Queued from an immediate, it runs after them.
    setImmediate(Date.now() - this.lastYield >= PAUSE_AFTER_MS ? this.resumeAfterTimers : this.resumeNext);
  }

  private queueResume(): void {
    setImmediate(this.resumeNext);
  }

  private afterYield(): void {
    this.lastYield = Date.now();
    this.check();
  }

  /**
   * Resumes one waiter a turn of the event loop. With an immediate each, the waiters of
   * concurrent stages all ran in one check phase: twelve stages, each pausing after a
   * 100 ms word, held the loop for 2.9 s. (An immediate queued here runs on the next turn.)
   */
  private resumeWaiter(): void {
    this.waiters.shift()?.();
    if (this.waiters.length) setImmediate(this.resumeNext);
  }

  dispose(): void {
    // A stage still unwinding gives back to its run alone from now on.
    this.memory.used -= this.taken;
    this.taken = 0;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.settings.signal?.removeEventListener('abort', this.onExternalAbort);
  }
}

/**
 * How an external abort ends the run: a reason named `TimeoutError` (the web platform's name
 * for a deadline, as AbortSignal.timeout() gives) is a timeout, anything else a cancel, as
 * rshell tells context.DeadlineExceeded from context.Canceled.
 */
function externalOutcome(signal: AbortSignal): 'timeout' | 'canceled' {
  const reason: unknown = signal.reason;
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError' ? 'timeout' : 'canceled';
}
