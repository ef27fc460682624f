/**
 * Function settings the construct applies by default, in a module of their own so that the
 * benchmarks measure the handler exactly as deployed without loading aws-cdk-lib.
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
