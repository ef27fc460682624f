/**
 * Text builtins over generated files, this interpreter (createRunner, files through the
 * sandbox) against the system's GNU coreutils through `bash -c`, in the same run:
 * - throughput on a 50 MB file: `wc -l` (target: within 3x of GNU), `wc`, and pipelines of
 *   cat/cut/tr/head into wc;
 * - `sort | uniq -c`: rshell caps sort at 1,000,000 lines / 5 MiB, so it is timed on the
 *   largest input under the cap, and on the 50 MB file to show the cap refusing it promptly;
 * - memory: RSS growth while streaming a 100 MB file through cat/wc/head/cut/tr (bound 64 MB).
 * Prints median wall time, the ratio to GNU and peak memory (ours: RSS growth of this
 * process; GNU: max RSS of the whole `bash -c` from /usr/bin/time when available).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from '../src/rshell/index.js';
import { timeGnu, timeOurs, type Figure } from './measure.js';
import { SORT_MAX_BYTES } from '../src/rshell/builtins/text/sort.js';

const MB = 1024 * 1024;
const REPS = 3;
const RSS_BOUND_MB = 64;

/** Log-like lines; `repeating` keeps only host/level/path so `sort | uniq -c` has real runs. */
function makeFile(path: string, bytes: number, repeating = false): void {
  const hosts = ['web-1', 'web-2', 'db-1', 'cache-3', 'queue-7', 'api-4'];
  const levels = ['INFO', 'WARN', 'ERROR', 'DEBUG'];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const head = `${hosts[(i * 7) % hosts.length]} ${levels[(i * 13) % levels.length]}`;
    const l = repeating ? `${head} path=/v1/items/${(i * 31) % 300}\n` : `${head} req=${(i * 7919) % 5000} took=${i % 97}ms path=/v1/items/${i % 300}\n`;
    parts.push(l);
    size += l.length;
  }
  writeFileSync(path, parts.join(''));
}

function ours(dir: string, script: string, reps = REPS): Promise<Figure> {
  return timeOurs(createRunner({ allowedPaths: [dir], dir, allowAllCommands: true }), script, reps);
}

function gnu(dir: string, script: string): Figure {
  return timeGnu(dir, script, REPS, { LC_ALL: 'C', PATH: process.env.PATH });
}

const fmt = (n: number, w = 9): string => n.toFixed(1).padStart(w);

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'text-bench-'));
  try {
    makeFile(join(dir, 'big.txt'), 50 * MB);
    makeFile(join(dir, 'capped.txt'), SORT_MAX_BYTES - 256 * 1024, true);
    console.log('throughput (ms, median of 3 after a warm-up)');
    console.log(`${'case'.padEnd(34)}${'ours'.padStart(9)}${'GNU'.padStart(9)}${'ratio'.padStart(8)}${'ours MB'.padStart(9)}${'GNU MB'.padStart(9)}  same output`);
    const cases: { name: string; script: string }[] = [
      { name: 'wc -l (50 MB)', script: 'wc -l big.txt' },
      { name: 'wc (50 MB)', script: 'wc big.txt' },
      { name: 'cat | wc -l (50 MB)', script: 'cat big.txt | wc -l' },
      { name: 'cut -d" " -f2 | wc -l (50 MB)', script: "cut -d ' ' -f2 big.txt | wc -l" },
      { name: 'tr a-z A-Z | wc -c (50 MB)', script: 'tr a-z A-Z < big.txt | wc -c' },
      { name: 'tail -n 3 (50 MB)', script: 'tail -n 3 big.txt' },
      { name: `sort | uniq -c (${(SORT_MAX_BYTES / MB - 0.25).toFixed(2)} MiB)`, script: 'sort capped.txt | uniq -c | sort -rn | head -n 3' },
    ];
    for (const c of cases) {
      const o = await ours(dir, c.script);
      const g = gnu(dir, c.script);
      if (o.exit !== 0) throw new Error(`rshell ${c.script}: exit ${o.exit}: ${o.stderr}`);
      const same = o.stdout === g.stdout ? 'yes' : 'NO';
      console.log(`${c.name.padEnd(34)}${fmt(o.ms)}${fmt(g.ms)}${(o.ms / g.ms).toFixed(2).padStart(7)}x${fmt(o.peakMB)}${fmt(g.peakMB)}  ${same}`);
    }

    const refused = await ours(dir, 'sort big.txt | uniq -c', 0);
    const gnuFull = gnu(dir, 'sort big.txt | uniq -c | wc -l');
    console.log(
      `sort | uniq -c (50 MB): ours refused by the sort cap in ${refused.ms.toFixed(1)} ms (+${refused.peakMB.toFixed(1)} MB RSS, ` +
        `stderr ${JSON.stringify(refused.stderr.trim())}); GNU sorts it in ${gnuFull.ms.toFixed(1)} ms (${gnuFull.peakMB.toFixed(1)} MB)`,
    );

    makeFile(join(dir, 'huge.txt'), 100 * MB);
    console.log(`\nstreaming memory over 100 MB (RSS growth, bound ${RSS_BOUND_MB} MB)`);
    for (const script of [
      'cat huge.txt | wc -l',
      'wc huge.txt',
      'head -c 104857600 huge.txt | wc -c',
      "cut -d ' ' -f1,3 huge.txt | wc -l",
      'tr -s a-z < huge.txt | wc -c',
    ]) {
      const o = await ours(dir, script, 0);
      const verdict = o.peakMB < RSS_BOUND_MB ? 'ok' : 'OVER';
      console.log(`${script.padEnd(40)}${fmt(o.ms, 10)} ms ${fmt(o.peakMB)} MB  ${verdict}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
