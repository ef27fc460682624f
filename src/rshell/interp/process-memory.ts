/**
 * What all runs of the process may hold at once in their run-wide totals: expansions held
 * (MAX_HELD_BYTES, 32 MiB a run) and input buffered by builtins (MAX_BUFFERED_BYTES, 128 MiB
 * a run). Those caps are per run, but a Lambda is one process of a fixed memory size running
 * TASK_CONCURRENCY tasks at once: four hostile runs at both caps peaked at 656–687 MiB RSS,
 * ten at 1,068 MiB, against the construct's default of 512 MB, and a process killed for its
 * memory loses the whole batch. Past the process's budget, the run that asks is refused as
 * past its own cap (an expansion fails, a builtin reports it), with processMemoryMessage();
 * the other runs go on.
 */

/** The construct's default memory size, MB: the budget's base when the function's is unknown. */
export const DEFAULT_FUNCTION_MEMORY_MB = 512;

/**
 * The shared budget for a function of `memoryMb` (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, read by
 * the task runner's configuration: rshell reads no environment; unset or outside Lambda's
 * 128–10,240 MB: DEFAULT_FUNCTION_MEMORY_MB): three eighths of it. At 512 MB that is 192 MiB, so
 * one run still reaches both its caps (160 MiB) alone; the rest is for Node itself, the
 * tracer's buffered spans, the runs' stdout and stderr (not counted here: up to 10 MiB each a
 * run, but a task's run keeps only the 256 KiB of each its result can carry, F144) and what
 * the counted bytes cost beyond their count (measured at about 1.1×).
 */
export function processMemoryBudget(memoryMb: number | undefined): number {
  const m = memoryMb !== undefined && Number.isInteger(memoryMb) && memoryMb >= 128 && memoryMb <= 10_240 ? memoryMb : DEFAULT_FUNCTION_MEMORY_MB;
  return Math.floor((m * 1024 * 1024 * 3) / 8);
}

/** Bytes counted and their maximum. */
export interface ByteBudget {
  used: number;
  max: number;
}

/** Every run's held and buffered bytes, counted together (one process, one heap). */
export const PROCESS_MEMORY: ByteBudget = { used: 0, max: processMemoryBudget(undefined) };

/** Sizes PROCESS_MEMORY for a function of `memoryMb` (the task handler does, when it is built). */
export function setFunctionMemory(memoryMb: number | undefined): void {
  PROCESS_MEMORY.max = processMemoryBudget(memoryMb);
}

export const processMemoryMessage = (max: number) =>
  `expansions and buffered input held at once by all of the process's runs exceed their shared maximum of ${max} bytes`;
