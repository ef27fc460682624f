/**
 * A short soak inside `npm test` (the 10,000-task run is `npm run soak`): 500 tasks through
 * the local stack with four concurrent containers, poison tasks that must be dead-lettered
 * and failing tasks that must be answered once; then sixty sequential invocations of one
 * container that must leave no handle or listener behind.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak-harness.js';

describe('short soak', () => {
  it('answers every task exactly once or dead-letters it, and leaks nothing between invocations', async () => {
    const r = await runSoak({ tasks: 500, containers: 4, poisonEvery: 100, failEvery: 25, maxReceiveCount: 2, limitMs: 90_000 });
    expect({
      missing: r.missing,
      duplicates: r.duplicates,
      answered: r.answered,
      failedAnswers: r.failedAnswers,
      deadLettered: r.deadLettered,
      unexpectedDeadLetters: r.unexpectedDeadLetters,
      answeredPoison: r.answeredPoison,
      handlerErrors: r.handlerErrors,
    }).toEqual({
      missing: [],
      duplicates: 0,
      answered: 495,
      // Every 25th task fails to parse, except the five that are also every 100th (poison).
      failedAnswers: 15,
      deadLettered: 5,
      unexpectedDeadLetters: [],
      answeredPoison: [],
      handlerErrors: 0,
    });
    // Each poison task was retried once before SQS dead-lettered it (maxReceiveCount 2).
    expect(r.retriedRecords).toBeGreaterThanOrEqual(5);
    expect(r.leaks.leaked).toEqual([]);
    expect(r.leaks.listenersEnd).toBe(r.leaks.listenersWarm);
  });
});
