/**
 * grep and sed throughput over a generated 50 MB file: this interpreter (createRunner, the
 * builtins reading through the sandbox) against the system's GNU grep/sed run through
 * `bash -c` in the same run. Prints median wall time, the ratio to GNU and peak memory
 * (ours: RSS growth of this process during the run; GNU: max RSS from /usr/bin/time).
 * Target: `grep -c` within 3x of GNU.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from '../src/rshell/index.js';
import { timeGnu, timeOurs, type Figure } from './measure.js';

const FILE_BYTES = 50 * 1024 * 1024;
const REPS = 3;

const CASES: { name: string; script: string }[] = [
  { name: 'grep -c literal', script: 'grep -c needle big.txt' },
  { name: 'grep -c regex', script: "grep -c -E 'ne+dle [0-9]*3 s' big.txt" },
  { name: 'grep -v -c -i', script: 'grep -vci LOREM big.txt' },
  { name: 'grep -n | wc -l', script: 'grep -n foo big.txt | wc -l' },
  { name: 'sed s/x/y/g', script: "sed 's/o/0/g' big.txt > /dev/null" },
  { name: 'sed -E s/(re)/\\1/g', script: "sed -E 's/([a-z]+) ([0-9]+)/\\2 \\1/g' big.txt > /dev/null" },
];

function makeFile(path: string): void {
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < FILE_BYTES; i++) {
    const w = words[i % words.length];
    const l = i % 10 === 3 ? `${w} needle ${i} status=ok\n` : `${w} ${i} foo bar baz ${words[(i * 7) % 8]} x\n`;
    lines.push(l);
    size += l.length;
  }
  writeFileSync(path, lines.join(''));
}

async function ours(dir: string, script: string): Promise<Figure> {
  const r = await timeOurs(createRunner({ allowedPaths: [dir], dir, allowAllCommands: true }), script, REPS);
  if (r.exit !== 0) throw new Error(`rshell ${script}: exit ${r.exit}: ${r.stderr}`);
  return r;
}

function gnu(dir: string, script: string): Figure {
  const r = timeGnu(dir, script, REPS);
  if (r.exit !== 0) throw new Error(`bash ${script}: exit ${r.exit}: ${r.stderr}`);
  return r;
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rshell-regex-bench-'));
  try {
    makeFile(join(dir, 'big.txt'));
    console.log(`input: ${FILE_BYTES / 1048576} MB, median of ${REPS} runs after one warm-up\n`);
    console.log(
      `${'case'.padEnd(22)} ${'wall ours'.padStart(11)} ${'GNU'.padStart(10)} ${'ratio'.padStart(7)}  ${'cpu ours'.padStart(10)} ${'GNU'.padStart(9)} ${'ratio'.padStart(7)}  ${'peak ours'.padStart(10)} ${'peak GNU'.padStart(9)}`,
    );
    for (const c of CASES) {
      const a = await ours(dir, c.script);
      const b = gnu(dir, c.script);
      const same = a.stdout === b.stdout ? '' : `  (output differs: ${JSON.stringify(a.stdout)} vs ${JSON.stringify(b.stdout)})`;
      console.log(
        `${c.name.padEnd(22)} ${a.ms.toFixed(0).padStart(8)} ms ${b.ms.toFixed(0).padStart(7)} ms ${(a.ms / b.ms).toFixed(2).padStart(6)}x  ${a.cpuMs.toFixed(0).padStart(7)} ms ${b.cpuMs.toFixed(0).padStart(6)} ms ${(a.cpuMs / b.cpuMs).toFixed(2).padStart(6)}x  ${a.peakMB.toFixed(1).padStart(7)} MB ${b.peakMB.toFixed(1).padStart(6)} MB${same}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
