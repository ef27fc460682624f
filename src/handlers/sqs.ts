/**
 * The Lambda entry point: reads the configuration at cold start (an invalid value fails init,
 * naming the variable), builds the container's runtime during init, and exports the handler
 * (src/tasks/sqs-handler.ts).
 */
import { loadConfig } from '../tasks/config.js';
import { createSqsHandler, type SqsHandler } from '../tasks/sqs-handler.js';
import { tracerConfigFromEnv } from '../tracing/index.js';

const config = loadConfig(process.env);
tracerConfigFromEnv(process.env); // validate DD_* at cold start too

export const handler: SqsHandler = createSqsHandler(config);
// The runtime is built while the module loads, i.e. in Lambda's init phase, as AWS advises
// for SDK clients and secrets: with provisioned concurrency the first request finds it ready
// (secrets read, ~100 ms of SDK modules loaded); on demand it is the same work, done just
// before the first invocation instead of inside it.
await handler.prepare();
