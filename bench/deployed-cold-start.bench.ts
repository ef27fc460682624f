/**
 * Cold start as deployed: what a fresh container of the construct's function does before its
 * first batch is answered, with every AWS round trip in it. The executor benchmark's cold
 * start is the handler alone (no secrets, results logged); a deployed function also reads the
 * Datadog API key and the task-signing keys from Secrets Manager, loads the AWS SDK clients
 * for both services (~100 ms of module loading here for the first, 20-30 ms more for the
 * second: they share the SDK's core), verifies signed tasks and
 * publishes its results to SQS. Here those endpoints are loopback stand-ins answering after
 * a delay (test/helpers/aws-stubs.ts), and the process runs with the construct's environment.
 *
 * Compared in the same run: the same bundle without secrets or results queue (the executor
 * benchmark's figure), and, with BENCH_COMPARE_BUNDLE=<path to another build's handler.mjs>,
 * another build of the handler under the deployed setup (e.g. the previous commit's).
 */
import { createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_DEFAULT_ENVIRONMENT } from '../cdk/runtime-defaults.js';
import { close, listen, slowIntake, slowQueue, slowSecrets } from '../test/helpers/aws-stubs.js';
import { sqsEvent } from './events.js';
import { coldStarts, type ColdStartVariant } from './measure.js';

const root = join(import.meta.dirname, '..');
const tmp = join(root, '.bench-tmp');
const nodeBin = process.env.BENCH_NODE || process.execPath;
/** Each endpoint's answer time: an in-region call from Lambda, handshake included. */
const ROUND_TRIP_MS = 25;
const RUNS = 11;
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';
const SIGNING_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:task-signing-keys-XyZ123';

export default async function deployedColdStartBench(): Promise<void> {
  mkdirSync(tmp, { recursive: true });
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  const bundle = join(root, 'dist/handler.mjs');
  const keys = join(root, 'test/fixtures/keys');
  const signer = { keyId: 'fixture-ed25519', key: createPrivateKey(readFileSync(join(keys, 'ed25519-test-private.pem'))), expiresAt: Date.now() + 3_600_000 };
  // Two tasks reading files, as a first batch might.
  const script = 'grep -c processor /proc/cpuinfo\nls /etc | head -n 3';
  const commands = ['rshell:grep', 'rshell:ls', 'rshell:head'];
  const signedEvent = join(tmp, 'deployed-cold-event.json');
  writeFileSync(signedEvent, JSON.stringify(sqsEvent(script, 2, commands, ['/etc', '/proc'], signer)));

  const queue = slowQueue(ROUND_TRIP_MS);
  const secrets = slowSecrets(ROUND_TRIP_MS, { [KEY_ARN]: 'bench-api-key', [SIGNING_ARN]: readFileSync(join(keys, 'trusted-keys.json'), 'utf8') });
  const intake = slowIntake(ROUND_TRIP_MS);
  const [queueUrl, secretsUrl, intakeUrl] = [await listen(queue), await listen(secrets), await listen(intake)];
  try {
    // The construct's environment (cdk/task-executor.ts) with the endpoints on loopback.
    const deployed: NodeJS.ProcessEnv = {
      ...process.env,
      ...LAMBDA_DEFAULT_ENVIRONMENT,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_SQS: queueUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
      RESULTS_QUEUE_URL: `${queueUrl}/123456789012/results`,
      DD_API_KEY_SECRET_ARN: KEY_ARN,
      TASK_SIGNING_KEYS: SIGNING_ARN,
      DD_TRACE_INTAKE_URL: `${intakeUrl}/api/v2/apmtelemetry`,
      RSHELL_ALLOWED_PATHS: '["/etc","/proc"]',
    };
    const bare: NodeJS.ProcessEnv = { ...process.env, ...LAMBDA_DEFAULT_ENVIRONMENT, DD_API_KEY: 'bench', DD_TRACE_INTAKE_URL: deployed.DD_TRACE_INTAKE_URL };
    const variants: ColdStartVariant[] = [
      { label: 'handler alone: API key in the environment, results logged', bundle, env: bare },
      { label: 'as deployed: secrets and results queue', bundle, env: deployed },
      { label: 'as deployed, NODE_OPTIONS=--enable-source-maps', bundle, env: { ...deployed, NODE_OPTIONS: '--enable-source-maps' } },
    ];
    const compare = process.env.BENCH_COMPARE_BUNDLE;
    if (compare) variants.push({ label: `as deployed, ${compare}`, bundle: compare, env: deployed });
    const ms = await coldStarts(nodeBin, variants, signedEvent, RUNS);
    // Every deployed run verified both signed tasks, ran them and published their results
    // (the bare runs log theirs): the figures are of the path they name.
    const expected = 2 * RUNS * (variants.length - 1);
    const succeeded = queue.bodies.filter((b) => JSON.parse(b).data.id === 'succeed_task').length;
    if (queue.bodies.length !== expected || succeeded !== expected) {
      throw new Error(`results queue took ${queue.bodies.length} results (${succeeded} succeeded), expected ${expected} successes`);
    }
    const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
    console.log(
      `cold start as deployed (fresh process: import → first batch of 2 signed tasks answered; endpoints answer after ${ROUND_TRIP_MS} ms; ` +
        `median of ${RUNS}, variants alternating; Node ${nodeVersion})`,
    );
    console.table(variants.map((v, i) => ({ variant: v.label, 'cold start ms': ms[i]!.toFixed(1), 'vs handler alone': `${(ms[i]! / ms[0]!).toFixed(2)}x` })));
  } finally {
    await close(queue, secrets, intake);
  }
}
