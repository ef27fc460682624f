/**
 * Memory a run holds, as opposed to garbage waiting for a collection: RSS alone measures when
 * V8 collects (Node 24 frees dead buffers later than Node 20, RELIABILITY F17), so a bound on
 * it fails or passes with the collector's timing rather than with what the code keeps.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ByteReader } from '../../src/rshell/io.js';

// A collection on demand, without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc') as () => void;

/** Live memory after a full collection: what the process holds, not garbage waiting for one. */
export function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Calls `sample` after every `every` bytes read. */
export function sampled(reader: ByteReader, every: number, sample: () => void): ByteReader {
  let since = 0;
  return {
    async read() {
      const chunk = await reader.read();
      if (chunk && (since += chunk.length) >= every) {
        since = 0;
        sample();
      }
      return chunk;
    },
    cancel: () => reader.cancel?.(),
  };
}
