/**
 * `npm run soak -- [--tasks N] [--containers C] [--poison-every P] [--fail-every F]`: pushes N
 * tasks (default 10,000) through the local stack (loopback SQS with a DLQ, C concurrent
 * simulated containers, the real handler); every P-th task (default 500) is poison, its result
 * never delivered, and every F-th (default 50) fails to parse; 0 turns either off
 * and checks the soak's promises: every task answered exactly once or dead-lettered, resident
 * memory at the end within 10% of after the first thousand answers, and no handle or listener
 * leak between invocations. Prints the figures and exits 1 if a promise was broken.
 * Run under `--expose-gc` (the npm script does) so memory is read after a full collection.
 */
import { runSoak } from '../test/soak-harness.js';
import { parseOptions, wholeNumber } from './cli.js';

const { values } = parseOptions(
  {
    options: {
      tasks: { type: 'string', default: '10000' },
      containers: { type: 'string', default: '4' },
      'poison-every': { type: 'string', default: '500' },
      'fail-every': { type: 'string', default: '50' },
    },
  },
  'usage: npm run soak -- [--tasks N] [--containers C] [--poison-every P] [--fail-every F]',
);
const tasks = wholeNumber('tasks', values.tasks, 1, 10_000_000);
const containers = wholeNumber('containers', values.containers, 1, 1000);
const poisonEvery = wholeNumber('poison-every', values['poison-every'], 0, Number.MAX_SAFE_INTEGER);
const failEvery = wholeNumber('fail-every', values['fail-every'], 0, Number.MAX_SAFE_INTEGER);

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const r = await runSoak({
  tasks,
  containers,
  poisonEvery,
  failEvery,
  maxReceiveCount: 2,
  limitMs: Math.max(120_000, tasks * 60),
  progress: (l) => console.log(`  ${l}`),
});

const problems: string[] = [];
if (r.missing.length) problems.push(`${r.missing.length} task(s) neither answered nor dead-lettered (first: ${r.missing.slice(0, 5).join(', ')})`);
if (r.duplicates) problems.push(`${r.duplicates} task(s) answered more than once`);
if (r.answered !== r.expectedAnswers) problems.push(`${r.answered} answered, expected ${r.expectedAnswers}`);
if (r.deadLettered !== r.expectedPoison) problems.push(`${r.deadLettered} dead-lettered, expected ${r.expectedPoison}`);
if (r.unexpectedDeadLetters.length) problems.push(`dead-lettered but should have been answered: ${r.unexpectedDeadLetters.slice(0, 5).join(', ')}`);
if (r.answeredPoison.length) problems.push(`poison tasks answered: ${r.answeredPoison.slice(0, 5).join(', ')}`);
if (r.handlerErrors) problems.push(`${r.handlerErrors} handler invocation(s) threw`);
// One-sided: the first sample is taken mid-run (pollers and invocations in flight), the last at
// rest, so a smaller end is expected; growth beyond 10% would be a leak.
if (r.rssGrowthPct > 10) problems.push(`RSS grew ${r.rssGrowthPct}% between the first thousand answers and the end`);
if (r.leaks.leaked.length) problems.push(`leaks between invocations: ${r.leaks.leaked.join('; ')}`);

console.log(`soak: ${r.tasks} tasks through ${containers} containers in ${(r.ms / 1000).toFixed(1)} s (${r.tasksPerSecond} tasks/s)`);
console.log(`  answered ${r.answered} (${r.failedAnswers} fail_task), dead-lettered ${r.deadLettered}/${r.expectedPoison}, duplicates ${r.duplicates}, missing ${r.missing.length}`);
console.log(`  invocations ${r.invocations}, retried records ${r.retriedRecords}, handler errors ${r.handlerErrors}, invoke p50 ${r.invokeP50Ms} ms p99 ${r.invokeP99Ms} ms`);
console.log(`  RSS after first 1000 ${mib(r.rssAfterFirst1000)}, end ${mib(r.rssEnd)} (${r.rssGrowthPct >= 0 ? '+' : ''}${r.rssGrowthPct}%); heap ${mib(r.heapAfterFirst1000)} → ${mib(r.heapEnd)}`);
console.log(`  leak probe: ${r.leaks.invocations} sequential invocations, resources ${JSON.stringify(r.leaks.resourcesWarm)} → ${JSON.stringify(r.leaks.resourcesEnd)}, listeners ${r.leaks.listenersWarm} → ${r.leaks.listenersEnd}`);
if (problems.length) {
  console.log('FAILED:');
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log('all soak promises held');
process.exit(0);
