/**
 * Executes a validated AST with rshell's semantics (specs/rshell.md §2 "Runtime
 * semantics"): lists, `&&`/`||`/`!`, blocks, subshells, `if`, `for` with break/continue,
 * pipelines whose stages run concurrently over bounded pipes, redirects, command policy and
 * builtin dispatch, with hooks at rshell's span points.
 */
import type {
  BinaryCmd,
  CallExpr,
  CmdSubst,
  Command,
  ForClause,
  IfClause,
  Redirect,
  Stmt,
  WordIter,
} from '../syntax/ast.js';
import { BrokenPipeError, BufferReader, CollectWriter, type ByteReader, type ByteWriter } from '../io.js';
import { BUILTINS } from '../builtins/registry.js';
import type { RshellHooks } from '../hooks.js';
import { SandboxError } from '../sandbox/types.js';
import { expandFields, expandHeredoc, expandLiteral } from '../expand/words.js';
import { FileReader, READ_CHUNK } from '../read-chunk.js';
import { BuiltinContext } from './builtin-context.js';
import { CONTROL_BUILTINS } from './control.js';
import { ExpansionError, RunAbortError, ShellAbortError } from './errors.js';
import { flagNames } from './flagnames.js';
import { Pipe } from './pipe.js';
import { HELD_BYTES_MESSAGE, MAX_LIVE_STAGES, type RunState } from './run-state.js';
import { Shell, type IO } from './shell.js';
import { NULL_WRITER } from './streams.js';
import { VarTooLargeError } from './vars.js';

export const MAX_CMD_SUBST_BYTES = 1024 * 1024;
export const MAX_HEREDOC_BYTES = 10 * 1024 * 1024;

/** A bug (not a script error): the run ends with outcome 'fatal'. */
export class InternalPanic extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'InternalPanic';
  }
}

function isControlFlowError(e: unknown): boolean {
  return e instanceof RunAbortError || e instanceof ShellAbortError || e instanceof BrokenPipeError || e instanceof InternalPanic;
}

/** Go-style "op path: message" text of a sandbox failure. */
export function sandboxMessage(e: SandboxError): string {
  return e.pathMessage;
}

function allBuiltinNames(): string[] {
  return [...new Set([...BUILTINS.keys(), ...CONTROL_BUILTINS.keys()])].sort();
}

/**
 * A start hook's token, or none if the hook throws: hooks never break a run. A plain call,
 * not a helper taking a closure: measured on a 100-command script, a closure per hook call
 * cost ~2 µs per command (the interpreter's own time with hooks on grew by half).
 */
function started<I>(hooks: RshellHooks<unknown>, start: (info: I, parent: unknown) => unknown, info: I, parent: unknown): unknown {
  try {
    return start.call(hooks, info, parent);
  } catch {
    return undefined;
  }
}

export class Interpreter {
  private readonly names = allBuiltinNames;

  constructor(private readonly run: RunState) {}

  /** Runs a list in `sh`, stopping at exit/break/continue. */
  async stmts(list: Stmt[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    for (let i = 0; i < list.length; i++) {
      await this.stmt(list[i]!, sh, io, parent);
      if (sh.exiting || sh.breakN || sh.contN) return;
    }
  }

  /** Runs a list as the body of a shell (script, subshell, stage): aborts end only that shell. */
  async shellBody(list: Stmt[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    try {
      await this.stmts(list, sh, io, parent);
    } catch (e) {
      if (!(e instanceof ShellAbortError)) throw e;
      await io.stderr.write(e.message + '\n');
      sh.status = e.status;
      sh.exiting = true;
    }
  }

  async stmt(st: Stmt, sh: Shell, io: IO, parent: unknown): Promise<void> {
    const y = this.run.tick();
    if (y) await y;
    let sio = io;
    let closers: FileReader[] | null = null;
    let held = 0;
    if (st.redirs.length) {
      const r = await this.redirects(st.redirs, sh, io);
      if (!r) {
        sh.status = st.negated ? 0 : 1;
        return;
      }
      sio = r.io;
      closers = r.files;
      held = r.held;
    }
    try {
      if (st.cmd) await this.command(st.cmd, sh, sio, parent);
      else sh.status = 0;
    } finally {
      this.run.release(held);
      // A failing close must not mask the command's own result.
      if (closers) for (const f of closers) await f.close().catch(() => undefined);
    }
    if (st.negated && !sh.exiting) sh.status = sh.status === 0 ? 1 : 0;
  }

  private command(cmd: Command, sh: Shell, io: IO, parent: unknown): Promise<void> {
    switch (cmd.type) {
      case 'CallExpr':
        return this.call(cmd, sh, io, parent);
      case 'BinaryCmd':
        return cmd.op === '|' ? this.pipeline(cmd, sh, io, parent) : this.andOr(cmd, sh, io, parent);
      case 'Block':
        return this.stmts(cmd.stmts, sh, io, parent);
      case 'Subshell':
        return this.subshell(cmd.stmts, sh, io, parent);
      case 'IfClause':
        return this.ifClause(cmd, sh, io, parent);
      case 'ForClause':
        return this.forClause(cmd, sh, io, parent);
      default:
        // The validator rejects every other node before anything runs.
        throw new ShellAbortError(2, `unsupported command type: ${cmd.type}`);
    }
  }

  private async andOr(cmd: BinaryCmd, sh: Shell, io: IO, parent: unknown): Promise<void> {
    await this.stmt(cmd.x, sh, io, parent);
    if (sh.exiting || sh.breakN || sh.contN) return;
    if ((sh.status === 0) === (cmd.op === '&&')) await this.stmt(cmd.y, sh, io, parent);
  }

  private async subshell(list: Stmt[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    const sub = sh.fork(io);
    // Loops outside `( )` are out of its reach, as in bash and rshell: `break` there is only a notice.
    sub.loopDepth = 0;
    await this.shellBody(list, sub, io, parent);
    sh.status = sub.status;
  }

  private async ifClause(ic: IfClause, sh: Shell, io: IO, parent: unknown): Promise<void> {
    const hooks = this.run.hooks;
    let branchCount = 0;
    for (let c: IfClause | null = ic; c; c = c.else_) branchCount++;
    const tok = hooks?.ifStart ? started(hooks, hooks.ifStart, { branchCount }, parent) : parent;
    let taken = -2;
    try {
      let index = 0;
      for (let c: IfClause | null = ic; c; c = c.else_, index++) {
        if (c.cond.length === 0) {
          taken = -1;
          await this.stmts(c.then, sh, io, tok);
          return;
        }
        await this.stmts(c.cond, sh, io, tok);
        if (sh.exiting || sh.breakN || sh.contN) return;
        if (sh.status === 0) {
          taken = index;
          await this.stmts(c.then, sh, io, tok);
          return;
        }
      }
      sh.status = 0;
    } finally {
      try {
        hooks?.ifEnd?.(tok, { branchTaken: taken });
      } catch {}
    }
  }

  private async forClause(fc: ForClause, sh: Shell, io: IO, parent: unknown): Promise<void> {
    const loop = fc.loop as WordIter;
    const name = loop.name.value;
    let items: string[];
    let held = 0;
    sh.io = io;
    sh.token = parent;
    try {
      const f = loop.inPos < 0 ? [] : expandFields(loop.items, sh);
      items = Array.isArray(f) ? f : await f;
      // The list is held while the loop runs, inner loops' lists and commands with it.
      held = this.run.holdFields(items);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      await io.stderr.write(e.message + '\n');
      sh.status = 1;
      return;
    }
    const hooks = this.run.hooks;
    const tok = hooks?.forStart ? started(hooks, hooks.forStart, { variableName: name }, parent) : parent;
    let iterations = 0;
    let brokeEarly = false;
    if (items.length === 0) sh.status = 0;
    sh.loopDepth++;
    try {
      for (const v of items) {
        const y = this.run.tick();
        if (y) await y;
        try {
          this.setVar(sh, name, v);
        } catch (e) {
          // An item over the one-variable cap ends the loop like a failed assignment.
          if (!(e instanceof VarTooLargeError)) throw e;
          await io.stderr.write(e.message + '\n');
          sh.status = 1;
          brokeEarly = true;
          break;
        }
        const itTok = hooks?.forIterationStart ? started(hooks, hooks.forIterationStart, { index: iterations }, tok) : tok;
        iterations++;
        try {
          await this.stmts(fc.do_, sh, io, itTok);
        } finally {
          try {
            hooks?.forIterationEnd?.(itTok);
          } catch {}
        }
        if (sh.exiting) {
          brokeEarly = true;
          break;
        }
        if (sh.breakN) {
          sh.breakN--;
          brokeEarly = true;
          break;
        }
        if (sh.contN) {
          sh.contN--;
          if (sh.contN) {
            brokeEarly = true;
            break;
          }
        }
      }
    } finally {
      this.run.release(held);
      sh.loopDepth--;
      try {
        hooks?.forEnd?.(tok, { iterationCount: iterations, brokeEarly });
      } catch {}
    }
  }

  private setVar(sh: Shell, name: string, value: string): void {
    sh.vars.set(name, value);
  }

  /** Flattens `a | b | c` into its stages (nested pipes without own negation/redirects). */
  private stages(st: Stmt, out: Stmt[]): void {
    // A loop, not recursion: a script may hold a pipeline of 100,000 stages, nested that deep.
    const todo: Stmt[] = [st];
    while (todo.length) {
      const s = todo.pop()!;
      const c = s.cmd;
      if (c && c.type === 'BinaryCmd' && c.op === '|' && !s.negated && s.redirs.length === 0) todo.push(c.y, c.x);
      else out.push(s);
    }
  }

  private async pipeline(cmd: BinaryCmd, sh: Shell, io: IO, parent: unknown): Promise<void> {
    const stages: Stmt[] = [];
    this.stages(cmd.x, stages);
    this.stages(cmd.y, stages);
    const n = stages.length;
    if (this.run.liveStages + n > MAX_LIVE_STAGES) {
      await io.stderr.write(`pipeline: too many stages running at once (limit ${MAX_LIVE_STAGES})\n`);
      sh.status = 1;
      return;
    }
    this.run.liveStages += n;
    try {
      await this.runStages(stages, sh, io, parent);
    } finally {
      this.run.liveStages -= n;
    }
  }

  private async runStages(stages: Stmt[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    const n = stages.length;
    const hooks = this.run.hooks;
    const ownSpan = !sh.inPipeline && hooks?.pipelineStart !== undefined;
    const tok = ownSpan ? started(hooks!, hooks!.pipelineStart!, { stageCount: n }, parent) : parent;
    const pipes: Pipe[] = [];
    for (let i = 0; i < n - 1; i++) {
      const p = new Pipe();
      pipes.push(p);
      this.run.pipes.add(p);
      if (this.run.abortError) p.abort(this.run.abortError);
    }
    let status = 0;
    try {
      const runs: Promise<number>[] = [];
      for (let i = 0; i < n; i++) {
        const stageIO: IO = {
          stdin: i > 0 ? pipes[i - 1]! : io.stdin,
          stdout: i < n - 1 ? pipes[i]! : io.stdout,
          stderr: io.stderr,
          stdinPiped: i > 0 || io.stdinPiped,
          stdoutRedirected: i < n - 1 || io.stdoutRedirected,
        };
        const stageShell = sh.fork(stageIO);
        stageShell.inPipeline = true;
        // Each stage is a subshell: it cannot break or continue a loop around the pipeline.
        stageShell.loopDepth = 0;
        const run = this.stage(stages[i]!, stageShell, stageIO, tok, pipes[i - 1], pipes[i]);
        // Handled now, read by allSettled below: a stage can fail while the next waits.
        run.catch(() => undefined);
        runs.push(run);
        // Stages start synchronously until one awaits: twelve each expanding a large word
        // first held the loop for all of them. An aborted run (pause throws or rejects) is
        // left to the stages, which see it too: skipping the allSettled below would end the
        // pipeline, and the run, with started stages still running.
        let wait: Promise<void> | undefined;
        try {
          wait = this.run.pause();
        } catch {
          wait = undefined;
        }
        if (wait) await wait.catch(() => undefined);
      }
      const results = await Promise.allSettled(runs);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      status = (results[n - 1] as PromiseFulfilledResult<number>).value;
      sh.status = status;
    } finally {
      for (const p of pipes) this.run.pipes.delete(p);
      if (ownSpan) {
        try {
          hooks?.pipelineEnd?.(tok, { exitCode: status });
        } catch {}
      }
    }
  }

  private async stage(st: Stmt, sub: Shell, io: IO, parent: unknown, input: Pipe | undefined, output: Pipe | undefined): Promise<number> {
    try {
      await this.shellBody([st], sub, io, parent);
      return sub.status;
    } catch (e) {
      // The reader went away: the producer stops, as if killed by SIGPIPE.
      if (e instanceof BrokenPipeError) return 1;
      throw e;
    } finally {
      output?.close();
      input?.cancel();
    }
  }

  private async call(cm: CallExpr, sh: Shell, io: IO, parent: unknown): Promise<void> {
    sh.io = io;
    sh.token = parent;
    sh.substStatus = 0;
    let fields: string[];
    let held = 0;
    try {
      const f = cm.args.length ? expandFields(cm.args, sh) : [];
      fields = Array.isArray(f) ? f : await f;
      // Held while the command runs: concurrent stages and enclosing loops hold theirs too.
      held = this.run.holdFields(fields);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      await io.stderr.write(e.message + '\n');
      sh.status = 1;
      return;
    }
    try {
      await this.callWith(cm, fields, sh, io, parent);
    } finally {
      this.run.release(held);
    }
  }

  private async callWith(cm: CallExpr, fields: string[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    if (fields.length === 0) {
      for (const as of cm.assigns) {
        if (!(await this.assign(sh, io, as.name!.value, as.value))) return;
      }
      sh.status = sh.substStatus;
      return;
    }
    if (cm.assigns.length === 0) return this.dispatch(fields, sh, io, parent);
    // Inline assignments: visible for this command only.
    const saved: [string, string | undefined][] = [];
    try {
      for (const as of cm.assigns) {
        const name = as.name!.value;
        saved.push([name, sh.vars.get(name)]);
        if (!(await this.assign(sh, io, name, as.value))) return;
      }
      await this.dispatch(fields, sh, io, parent);
    } finally {
      for (let i = saved.length - 1; i >= 0; i--) sh.vars.restore(saved[i]![0], saved[i]![1]);
    }
  }

  /** Expands and assigns one variable; false (status set) when it failed. */
  private async assign(sh: Shell, io: IO, name: string, word: CallExpr['assigns'][number]['value']): Promise<boolean> {
    let value = '';
    if (word) {
      try {
        const v = expandLiteral(word, sh);
        value = typeof v === 'string' ? v : await v;
      } catch (e) {
        if (!(e instanceof ExpansionError)) throw e;
        await io.stderr.write(e.message + '\n');
        sh.status = 1;
        return false;
      }
    }
    try {
      sh.vars.set(name, value);
    } catch (e) {
      if (!(e instanceof VarTooLargeError)) throw e;
      await io.stderr.write(e.message + '\n');
      sh.status = 1;
      return false;
    }
    return true;
  }

  private async dispatch(argv: string[], sh: Shell, io: IO, parent: unknown): Promise<void> {
    const name = argv[0]!;
    const args = argv.slice(1);
    const control = CONTROL_BUILTINS.get(name);
    const builtin = control ? undefined : BUILTINS.get(name);
    const known = control !== undefined || builtin !== undefined;
    const where = { known, runnable: known, stdinPiped: io.stdinPiped, stdoutRedirected: io.stdoutRedirected };
    sh.status = await this.guarded(name, args, where, parent, io.stderr, (tok) =>
      control
        ? control(sh, args, io.stdout, io.stderr)
        : this.invoke(builtin!, new BuiltinContext(this.run, name, io.stdin, io.stdout, io.stderr, sh.dir, tok, this.nested, this.names), args),
    );
  }

  /**
   * What every command goes through, from the script or from find -exec: the allow-list,
   * rshell's 127 messages, the run's counters and the command hook around `exec`.
   * `known` is what the hook reports; `runnable` whether `exec` can run it here.
   */
  private async guarded(
    name: string,
    args: string[],
    where: { known: boolean; runnable: boolean; stdinPiped: boolean; stdoutRedirected: boolean },
    parent: unknown,
    stderr: ByteWriter,
    exec: (token: unknown) => Promise<number>,
  ): Promise<number> {
    const run = this.run;
    run.counters.total++;
    const allowed = run.isAllowed(name);
    const hooks = run.hooks;
    const tok = hooks?.commandStart
      ? started(
          hooks,
          hooks.commandStart,
          {
            name,
            argc: args.length,
            flags: flagNames(args),
            isAllowed: allowed,
            isKnown: where.known,
            hasStdinPipe: where.stdinPiped,
            hasOutputRedirect: where.stdoutRedirected,
          },
          parent,
        )
      : parent;
    let status = 1;
    try {
      if (!allowed) {
        run.counters.unallowed++;
        await stderr.write(`${name}: command not allowed\n`);
        status = 127;
      } else if (!where.runnable) {
        run.counters.unknown++;
        await stderr.write(`${name}: command not found\n`);
        status = 127;
      } else {
        run.counters.dispatched++;
        status = await exec(tok);
      }
    } finally {
      try {
        hooks?.commandEnd?.(tok, { exitCode: status });
      } catch {}
    }
    return status;
  }

  private async invoke(builtin: NonNullable<ReturnType<typeof BUILTINS.get>>, ctx: BuiltinContext, args: string[]): Promise<number> {
    try {
      return (await builtin(ctx, args)) & 0xff;
    } catch (e) {
      if (isControlFlowError(e)) throw e;
      if (this.run.abortError) throw this.run.abortError;
      throw new InternalPanic(e);
    } finally {
      ctx.releaseBuffered();
    }
  }

  /** CallContext.runBuiltin: find -exec/-execdir, same policy, outputs and hooks. */
  private readonly nested = async (argv: string[], caller: BuiltinContext, opts: { dir?: string; stdin?: ByteReader }): Promise<number> => {
    const name = argv[0] ?? '';
    const args = argv.slice(1);
    this.run.check();
    const builtin = BUILTINS.get(name);
    const where = { known: builtin !== undefined || CONTROL_BUILTINS.has(name), runnable: builtin !== undefined, stdinPiped: true, stdoutRedirected: true };
    return this.guarded(name, args, where, caller.token, caller.stderr, (tok) =>
      this.invoke(builtin!, new BuiltinContext(this.run, name, opts.stdin ?? caller.stdin, caller.stdout, caller.stderr, opts.dir ?? caller.dir, tok, this.nested, this.names), args),
    );
  };

  /** Command substitution: a child shell whose stdout is captured (1 MiB, excess dropped). */
  readonly substitute = async (sh: Shell, cs: CmdSubst, status?: number): Promise<{ output: string; status: number }> => {
    const io = sh.io;
    const shortcut = catShortcut(cs);
    if (shortcut) return this.readShortcut(sh, shortcut);
    const out = new CollectWriter(MAX_CMD_SUBST_BYTES);
    const run = this.run;
    let held = 0;
    // The capture is held until the substitution ends: a stage blocked in `$(…; cat)` keeps it.
    const capture: ByteWriter = {
      write(chunk) {
        const before = out.size;
        out.write(chunk);
        const grew = out.size - before;
        try {
          run.hold(grew);
        } catch (e) {
          // The run's cap, or the process's: each says which (process-memory.ts).
          throw new ShellAbortError(1, e instanceof ExpansionError ? e.message : HELD_BYTES_MESSAGE);
        }
        held += grew;
      },
    };
    const subIO: IO = { stdin: io.stdin, stdout: capture, stderr: io.stderr, stdinPiped: io.stdinPiped, stdoutRedirected: true };
    const sub = sh.fork(subIO);
    if (status !== undefined) sub.status = status;
    try {
      await this.shellBody(cs.stmts, sub, subIO, sh.token);
    } finally {
      run.release(held);
    }
    return { output: out.bytes().toString('latin1'), status: sub.status };
  };

  /** `$(<file)`: the file's bytes through the sandbox; a directory reads as empty. */
  private async readShortcut(sh: Shell, rd: Redirect): Promise<{ output: string; status: number }> {
    const io = sh.io;
    const t = expandLiteral(rd.word, sh);
    const target = typeof t === 'string' ? t : await t;
    const fs = this.run.settings.fs;
    try {
      const r = new FileReader(await fs.open(target, sh.dir, { signal: this.run.controller.signal }));
      try {
        const parts: Uint8Array[] = [];
        let size = 0;
        for (let c = await r.read(); c && size < MAX_CMD_SUBST_BYTES; c = await r.read()) {
          parts.push(c);
          size += c.length;
          this.run.check();
        }
        return { output: Buffer.concat(parts).subarray(0, MAX_CMD_SUBST_BYTES).toString('latin1'), status: 0 };
      } finally {
        await r.close();
      }
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e;
      if (e.code === 'EISDIR') return { output: '', status: 0 };
      await io.stderr.write(sandboxMessage(e) + '\n');
      return { output: '', status: 1 };
    }
  }

  /** Applies a statement's redirections; null (message printed) when one fails. */
  private async redirects(redirs: Redirect[], sh: Shell, io: IO): Promise<{ io: IO; files: FileReader[]; held: number } | null> {
    const out: IO = { ...io };
    const files: FileReader[] = [];
    let held = 0;
    const fail = async (msg: string) => {
      this.run.release(held);
      await out.stderr.write(msg + '\n');
      for (const f of files) await f.close().catch(() => undefined);
      return null;
    };
    // A later `<` or heredoc replaces the stdin an earlier one of this list opened: close that
    // file now, as dup2 does (3,000 `< f` held 3,000 descriptors), and give back a body.
    let bodyHeld = 0;
    const replaceStdin = async () => {
      if (out.stdin === files[files.length - 1]) await files.pop()!.close().catch(() => undefined);
      this.run.release(bodyHeld);
      held -= bodyHeld;
      bodyHeld = 0;
    };
    sh.io = io;
    for (const rd of redirs) {
      const fd = rd.n ? Number(rd.n.value) : rd.op[0] === '<' ? 0 : 1;
      if (rd.op === '<<' || rd.op === '<<-') {
        let body: string;
        try {
          // Its substitutions' outputs count against the expansion's caps as they come.
          const b = rd.hdoc ? expandHeredoc(rd.hdoc, rd.word, rd.op === '<<-', sh, this.run.settings.source, MAX_HEREDOC_BYTES) : '';
          body = typeof b === 'string' ? b : await b;
        } catch (e) {
          if (!(e instanceof ExpansionError)) throw e;
          return fail(e.message);
        }
        if (body.length > MAX_HEREDOC_BYTES) return fail(`heredoc: content exceeds maximum size (${MAX_HEREDOC_BYTES} bytes)`);
        try {
          this.run.hold(body.length);
        } catch (e) {
          if (!(e instanceof ExpansionError)) throw e;
          return fail(e.message);
        }
        held += body.length;
        await replaceStdin();
        bodyHeld = body.length;
        // In 64 KiB views, as files and the run's stdin are read: one 10 MiB chunk held a
        // line tool for its whole length in one stretch.
        out.stdin = new BufferReader(Buffer.from(body, 'latin1'), READ_CHUNK);
        out.stdinPiped = true;
        continue;
      }
      let target: string;
      try {
        const t = expandLiteral(rd.word, sh);
        target = typeof t === 'string' ? t : await t;
      } catch (e) {
        if (!(e instanceof ExpansionError)) throw e;
        return fail(e.message);
      }
      if (fd > 2) return fail(`${fd}: unsupported fd`);
      switch (rd.op) {
        case '<': {
          try {
            const f = await this.run.settings.fs.open(target, sh.dir, { signal: this.run.controller.signal });
            const r = new FileReader(f);
            await replaceStdin();
            files.push(r);
            out.stdin = r;
            out.stdinPiped = true;
          } catch (e) {
            if (!(e instanceof SandboxError)) throw e;
            return fail(sandboxMessage(e));
          }
          break;
        }
        case '>':
        case '>>':
        case '>|':
        case '&>':
        case '&>>': {
          if (target !== '/dev/null') return fail(`${rd.op} ${target}: file redirection is only supported for /dev/null`);
          if (rd.op[0] === '&') {
            out.stdout = out.stderr = NULL_WRITER;
            out.stdoutRedirected = true;
          } else if (fd === 2) out.stderr = NULL_WRITER;
          else {
            out.stdout = NULL_WRITER;
            out.stdoutRedirected = true;
          }
          break;
        }
        case '>&': {
          if (target === '1' || target === '2') {
            const src = target === '1' ? out.stdout : out.stderr;
            if (fd === 2) out.stderr = src;
            else if (fd === 1 && target === '2') {
              out.stdout = src;
              out.stdoutRedirected = true;
            }
            break;
          }
          return fail(`${target}: unsupported fd`);
        }
        default:
          return fail(`${rd.op}: unsupported redirection`);
      }
    }
    return { io: out, files, held };
  }
}

/** The redirect of a `$(<file)` substitution, or null. */
function catShortcut(cs: CmdSubst): Redirect | null {
  if (cs.stmts.length !== 1) return null;
  const st = cs.stmts[0]!;
  if (st.cmd !== null || st.negated || st.redirs.length !== 1) return null;
  const rd = st.redirs[0]!;
  return rd.op === '<' && rd.n === null ? rd : null;
}
