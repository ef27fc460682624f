/**
 * A run's stdout and stderr (10 MiB each) are outside the process's memory budget, but
 * runCommand sends at most MAX_RESULT_BYTES of each: it asks the runner to keep only that
 * (RunnerOptions.retainOutputBytes). Ten tasks at once through the real handler on a 512 MB
 * function, each writing 10 MiB − 1 of stdout and a full stderr and holding them together,
 * grew the process by 305–332 MiB RSS (428–454 MiB peak) when the runner kept everything;
 * 32–44 MiB (151–178 MiB peak) now.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./helpers/output-memory-child.ts', import.meta.url));

describe('ten tasks each filling stdout and stderr at once', () => {
  it('grow the process by far less than the 200 MiB of output they wrote, and get the same results', () => {
    // Its own process, so the peak is this batch's alone; Lambda-like heap limit.
    const out = execFileSync(process.execPath, ['--max-old-space-size=486', '--import', 'tsx', CHILD], { encoding: 'utf8', timeout: 120_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { baseMiB: number; maxRssMiB: number; waited: number; failures: number; outputs: unknown[] };
    // Every run was holding its output when the FIFOs let them go.
    expect([r.waited, r.failures]).toEqual([10, 0]);
    expect(r.outputs).toEqual(Array(10).fill({ exitCode: 0, stdout: 256 * 1024, stderr: 256 * 1024, truncated: true }));
    expect(r.maxRssMiB - r.baseMiB).toBeLessThan(150);
  });
});
