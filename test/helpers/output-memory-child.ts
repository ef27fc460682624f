/**
 * Run as its own process (`node --max-old-space-size=486 --import tsx`, Lambda-like): ten
 * rshell tasks at once through the real handler on a 512 MB function, each writing 10 MiB − 1
 * of stdout (just under the cap) and 11 MiB of stderr (past its 10 MiB cap), then waiting on
 * its own FIFO until all ten have written everything, so that every run holds its output at
 * the same time. Prints one JSON line: the process's peak RSS (MiB) and what each task got.
 */
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { event, outputsOf, rshellTask, wiredHandler } from '../faults-helpers.js';
import { context } from './stack.js';

const TASKS = 10;
const MIB = 1 << 20;
const root = realpathSync(mkdtempSync(join(tmpdir(), 'outmem-')));
writeFileSync(join(root, 'm'), Buffer.alloc(MIB, 'a'));
writeFileSync(join(root, 'm1'), Buffer.alloc(MIB - 1, 'b'));
const fifos = Array.from({ length: TASKS }, (_, i) => join(root, `f${i}`));
for (const f of fifos) execFileSync('mkfifo', [f]);
// Held read-write (so a reader's open never blocks the thread pool) until every run waits on its FIFO.
const ends = fifos.map((f) => openSync(f, constants.O_RDWR | constants.O_NONBLOCK));

/** Descriptors of this process open on `path` (the FIFO's reader is the second). */
const opened = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed meanwhile
    }
  }).length;

const m10 = Array(10).fill('m').join(' ');
const script = (i: number) => `cat ${Array(9).fill('m').join(' ')} m1\ncat ${m10} m >&2\ncat f${i}`;

let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
const base = process.memoryUsage.rss();
try {
  const w = wiredHandler({ ...process.env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', TASK_CONCURRENCY: String(TASKS) });
  const ev = event(Array.from({ length: TASKS }, (_, i) => rshellTask(script(i), { allowedPaths: [root] })));
  const answered = w.handler(ev, context(120_000));
  const start = Date.now();
  while (fifos.some((f) => opened(f) < 2) && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 20));
  const waited = fifos.filter((f) => opened(f) >= 2).length;
  for (const e of ends) closeSync(e);
  const failures = (await answered).batchItemFailures.length;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage.rss());
  const byMessage = new Map(w.publisher.items.map((i) => [i.messageId, i.update]));
  const outputs = ev.Records.map((r) => {
    const o = outputsOf(byMessage.get(r.messageId)) as { exitCode: number; stdout: string; stderr: string; truncated?: boolean } | undefined;
    return o && { exitCode: o.exitCode, stdout: o.stdout.length, stderr: o.stderr.length, truncated: o.truncated };
  });
  console.log(
    JSON.stringify({
      baseMiB: Math.round(base / MIB),
      peakRssMiB: Math.round(peak / MIB),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      waited,
      failures,
      outputs,
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
