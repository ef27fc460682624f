/**
 * An intake in its own Node process, so a benchmark's timings do not include the intake's
 * own work. `sink: true` starts a bare server that drains each request and answers 202 at
 * once — the client-visible cost of a fast remote intake, without our local intake's
 * validation and lossless parsing on the critical path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export async function startIntakeProcess(opts: { sink?: boolean } = {}): Promise<{ url: string; baseUrl: string; child: ChildProcess; stop(): Promise<void> }> {
  const code = opts.sink
    ? "const http = await import('node:http');" +
      "const s = http.createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(202, { 'content-type': 'application/json' }).end('{}')); });" +
      "s.keepAliveTimeout = 60000; s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port + '/api/v2/apmtelemetry'));" +
      "process.stdin.on('end', () => process.exit(0)); process.stdin.resume();"
    : "const { startLocalIntake } = await import(process.argv[1]);" +
      "const i = await startLocalIntake(); console.log(i.url);" +
      "process.stdin.on('end', () => i.close().then(() => process.exit(0))); process.stdin.resume();";
  const modUrl = new URL('../src/tracing/local-intake.ts', import.meta.url).href;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, modUrl], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`intake process exited with ${c}`)));
  });
  return {
    url,
    baseUrl: new URL(url).origin,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** The environment of a handler that traces to `intakeUrl`, and of one that does not. */
export const tracingOn = (intakeUrl: string) => ({ DD_API_KEY: 'bench', DD_TRACE_INTAKE_URL: intakeUrl, DD_TRACE_AGENT_URL: '' });
export const TRACING_OFF = { DD_API_KEY: '', DD_TRACE_INTAKE_URL: '', DD_TRACE_AGENT_URL: '' };
