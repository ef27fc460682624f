/**
 * Finding F5: grep and sed load the RE2 engine on first use (the system tools load on first
 * use too). That first load happens inside a run and must end at the run's deadline like any
 * other work. This file's module graph is fresh (vitest isolates files), so the first `grep`
 * below really loads the chunk.
 */
import { expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';

it('the first grep of a process ends within 50 ms of a 20 ms deadline, loaded or not', async () => {
  const t0 = performance.now();
  const r = await createRunner({ allowAllCommands: true, timeoutMs: 20 }).run('echo needle | grep -c needle');
  const took = performance.now() - t0;
  expect(took).toBeLessThan(70);
  // Either the engine loaded in time and grep answered, or the run timed out; nothing else.
  if (r.outcome === 'success') expect(r.stdout.toString()).toBe('1\n');
  else expect(r.outcome).toBe('timeout');
  // Once loaded, grep works normally.
  const again = await createRunner({ allowAllCommands: true, timeoutMs: 10_000 }).run('echo needle | grep -c needle');
  expect(again).toMatchObject({ outcome: 'success', exitCode: 0 });
  expect(again.stdout.toString()).toBe('1\n');
});

it('many grep/sed calls in one run leave no abort listeners behind (no MaxListeners warning)', async () => {
  const abort = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const script = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'echo a | grep -c a' : "echo a | sed 's/a/b/'")).join('\n');
    const r = await createRunner({ allowAllCommands: true, signal: abort.signal }).run(script);
    expect(r.outcome).toBe('success');
    expect(r.stdout.toString()).toBe('b\n1\n'.repeat(20));
    await new Promise((res) => setImmediate(res));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
  }
});

it('the system tools (ps, ss, ip, ping, uname) load on first use too, and every one of them is registered', async () => {
  const { BUILTINS } = await import('../src/rshell/builtins/registry.js');
  const system = (await import('../src/rshell/builtins/system/index.js')).builtins;
  const search = (await import('../src/rshell/builtins/search/index.js')).builtins;
  // A builtin added to a lazy group's index but not to the registry's list would be missing.
  for (const name of [...Object.keys(system), ...Object.keys(search)]) {
    expect(BUILTINS.has(name), name).toBe(true);
    expect(BUILTINS.get(name), name).not.toBe({ ...system, ...search }[name]); // the loading wrapper
  }
  const r = await createRunner({ allowAllCommands: true, timeoutMs: 10_000 }).run('uname -s; ps | head -1');
  expect([r.outcome, r.stdout.toString()]).toEqual(['success', 'Linux\n   PID TTY              TIME CMD\n']);
});
