/** The configuration checks of the local scripts (`npm start`, `npm run invoke`, `npm run local`). */
import { loadConfig, type RunnerConfig } from '../src/tasks/config.js';
import { tracerConfigFromEnv } from '../src/tracing/index.js';
import { usageError } from './cli.js';

/**
 * The runner's configuration from `env`, with the tracer's checked too, as the Lambda's cold
 * start checks them (src/handlers/sqs.ts); a bad value is a one-line usage error naming it.
 */
export function runnerConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  try {
    tracerConfigFromEnv(env);
    return loadConfig(env);
  } catch (err) {
    usageError((err as Error).message);
  }
}
