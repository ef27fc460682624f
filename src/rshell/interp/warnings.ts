/**
 * The run's warnings list (RunResult.warnings, the task's `sandboxWarnings`), capped. Only
 * time bounded it: a loop of `ls` over a directory past the 1,000-entry limit added a
 * warning per call, 4,250 (365 KB) in 10 s, or 15 MB with 4 KB paths, kept until the end.
 */

/** Entries the list may hold, the note on dropped ones included. */
export const MAX_WARNINGS = 1_000;
/**
 * Bytes of warning text kept (the note may add its own few). A result is one 256 KiB SQS
 * message, and `encodeResult` cuts its longest outputs down to a common size: beside a full
 * stdout and stderr each keeps (256 − 64) / 2 = 96 KiB, so a list of 64 KiB (as JSON: paths
 * with bytes JSON escapes can take more) arrives whole, with the note that says what is missing.
 */
export const MAX_WARNING_BYTES = 64 * 1024;

function note(dropped: number): string {
  return `${dropped} more warning${dropped === 1 ? '' : 's'} not shown`;
}

/**
 * One run's warnings, the sandbox's own (skipped allowed paths) first: kept until either cap
 * is reached, then the first ones and one last entry counting the rest.
 */
export class WarningSink {
  readonly list: string[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(initial: readonly string[] = []) {
    for (const w of initial) this.add(w);
  }

  add(message: string): void {
    const list = this.list;
    if (this.dropped > 0) {
      list[list.length - 1] = note(++this.dropped);
      return;
    }
    if (list.length < MAX_WARNINGS && this.bytes + message.length <= MAX_WARNING_BYTES) {
      list.push(message);
      this.bytes += message.length;
      return;
    }
    // The first warning dropped: the note takes the last place when the list is full.
    this.dropped = 1;
    if (list.length >= MAX_WARNINGS) {
      list.pop();
      this.dropped++;
    }
    list.push(note(this.dropped));
  }
}
