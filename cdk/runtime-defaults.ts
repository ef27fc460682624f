/**
 * Function settings the construct applies by default, in a module of their own so that the
 * benchmarks and the freeze test run the handler exactly as deployed without loading
 * aws-cdk-lib.
 */

/**
 * libuv thread-pool size (`UV_THREADPOOL_SIZE`; Node's default is 4). rshell's file work is
 * many short metadata calls and page-cache reads, each handed to the pool; with more workers
 * than vCPUs (a Lambda below 1,769 MB has less than one) the hand-offs cost more than the
 * calls. `npm run bench -- executor` measures 1, 2 and 4 on the same scripts. One worker was
 * fastest where a script makes many small calls and no slower on large files; two keep one
 * worker for files while a DNS lookup (which also runs on the pool: the results queue and
 * the intake) waits on the network.
 */
export const LAMBDA_UV_THREADPOOL_SIZE = 2;

/**
 * The environment the construct gives the function before the caller's own `environment`.
 *
 * Deliberately absent: `NODE_OPTIONS=--enable-source-maps`. With it Node reads and parses
 * every source map as the bundle loads (~1 MB of JSON for the entry alone). Measured: +39 ms
 * (+54 %) on the handler's own 73 ms cold start (`npm run bench -- executor`), +27-29 ms on
 * a cold start as deployed, on Node 20 and 24 (`npm run bench -- deployed`).
 * The runner never prints a stack trace (logs carry error types only), so the maps would
 * serve only a crash report of the Lambda runtime itself. The maps still ship beside the
 * bundle: setting the option through the construct's `environment` turns them on.
 */
export const LAMBDA_DEFAULT_ENVIRONMENT: Readonly<Record<string, string>> = {
  // Read by libuv when the pool first starts, before the handler loads: only the
  // function's configuration can set it.
  UV_THREADPOOL_SIZE: String(LAMBDA_UV_THREADPOOL_SIZE),
};
