/** OpenFile over a real, read-only file descriptor. */
import { promises as fsp } from 'node:fs';
import { fromErrno, errnoOf } from './errors.js';
import { toFileInfo } from './fileinfo.js';
import type { FileInfo, OpenFile } from './types.js';

/** Re-poll delays for a FIFO that has a writer but no data yet: quick at first, then cheap. */
const FIFO_POLL_MIN_MS = 5;
const FIFO_POLL_MAX_MS = 200;

/**
 * Files are opened O_NONBLOCK so that opening a FIFO cannot pin a libuv thread forever;
 * a FIFO read that would block is re-polled on a timer until data, EOF, close() or the
 * caller's abort signal.
 */
export class FdFile implements OpenFile {
  /** The one close, which every later close() returns (it ends once the descriptor is closed); set: reads end. */
  private closing: Promise<void> | undefined;

  constructor(
    private readonly fh: fsp.FileHandle,
    /** The script's spelling, for error messages. */
    private readonly path: string,
    private readonly name: string,
    private readonly signal?: AbortSignal,
  ) {}

  async read(buf: Uint8Array): Promise<number> {
    if (buf.length === 0) return 0;
    for (let delay = FIFO_POLL_MIN_MS; ; delay = Math.min(delay * 2, FIFO_POLL_MAX_MS)) {
      if (this.closing !== undefined) return 0;
      try {
        const { bytesRead } = await this.fh.read(buf, 0, buf.length, null);
        return bytesRead;
      } catch (e) {
        if (errnoOf(e) === 'EAGAIN') {
          await this.pause(delay);
          continue;
        }
        throw fromErrno(e, this.path, 'read');
      }
    }
  }

  /** Waits `ms`, or rejects with the abort reason as soon as the signal fires. */
  private pause(ms: number): Promise<void> {
    const signal = this.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stat(): Promise<FileInfo> {
    try {
      return toFileInfo(this.name, await this.fh.stat({ bigint: true }));
    } catch (e) {
      throw fromErrno(e, this.path, 'stat');
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.fh.close());
  }
}
