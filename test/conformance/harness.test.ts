/** The scenario harness itself: setup materialisation, allow-list defaults, expectation precedence. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, formatReport, runConformance, type ScenarioSpec } from './harness.js';
import type { RunResult } from '../../src/rshell/index.js';

function result(stdout: string, stderr = '', exitCode = 0): RunResult {
  return { stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), stdoutLength: Buffer.byteLength(stdout), stderrLength: Buffer.byteLength(stderr), exitCode, outcome: 'success', warnings: [] };
}

describe('check', () => {
  const spec = (expect: ScenarioSpec['expect']): ScenarioSpec => ({ input: { script: '' }, expect });
  it('requires exact stdout/stderr by default, absent keys meaning empty', () => {
    expect(check(spec({ stdout: 'a\n' }), result('a\n'))).toEqual([]);
    expect(check(spec({ stdout: 'a\n' }), result('a\n', 'oops'))).toEqual(['stderr expected "", got "oops"']);
    expect(check(spec({}), result('', '', 3))).toEqual(['exit code expected 0, got 3']);
  });
  it('prefers *_contains over stdout_unordered over exact', () => {
    const s = spec({ stdout: 'never', stdout_unordered: 'b\na\n', stdout_contains: ['x'], stderr: 'never', stderr_contains: ['warn'] });
    expect(check(s, result('xyz', 'a warning'))).toEqual([]);
    expect(check(spec({ stdout: 'never', stdout_unordered: 'b\na\n' }), result('a\nb\n'))).toEqual([]);
    expect(check(spec({ stdout_unordered: 'b\na\n' }), result('a\na\n'))).toHaveLength(1);
  });
  it('fails any non-success outcome', () => {
    expect(check(spec({}), { ...result(''), outcome: 'timeout', error: 'execution timed out' })).toEqual(['outcome timeout (execution timed out)']);
  });
});

describe('runConformance', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'harness-test-'));
    mkdirSync(join(root, 'shell', 'x'), { recursive: true });
    mkdirSync(join(root, 'cmd'), { recursive: true });
    writeFileSync(
      join(root, 'shell', 'x', 'files.yaml'),
      [
        'description: setup files, chmod, symlink, mod_time, $DIR',
        'setup:',
        '  files:',
        '    - path: d/a.txt',
        '      content: "hello\\n"',
        '      chmod: 0600',
        '      mod_time: "2020-01-02T03:04:05Z"',
        '    - path: link.txt',
        '      symlink: d/a.txt',
        'input:',
        '  allowed_paths: ["$DIR"]',
        '  script: |+',
        '    cat link.txt; test -r d/a.txt && echo readable; find d -mtime +1000',
        'expect:',
        '  stdout: "hello\\nreadable\\nd/a.txt\\n"',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'shell', 'x', 'policy.yaml'),
      ['input:', '  allow_all_commands: false', '  script: echo hi', 'expect:', '  stderr: "echo: command not allowed\\n"', '  exit_code: 127'].join('\n'),
    );
    writeFileSync(join(root, 'cmd', 'fails.yaml'), ['input:', '  script: echo hi', 'expect:', '  stdout: "bye\\n"'].join('\n'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs every file, counts per group and reports failures by folder', async () => {
    const rep = await runConformance(root, 2);
    expect({ passed: rep.passed, failed: rep.failed, byGroup: rep.passedByGroup, totals: rep.totalByGroup }).toEqual({
      passed: 2,
      failed: 1,
      byGroup: { cmd: 0, shell: 2 },
      totals: { cmd: 1, shell: 2 },
    });
    expect(formatReport(rep).split('\n')).toEqual([
      'cmd: 1 failed',
      '  cmd/fails.yaml',
      '    stdout expected "bye\\n", got "hi\\n"',
      'cmd: 0/1 passed',
      'shell: 2/2 passed',
      '2 passed, 1 failed',
    ]);
  });
});
