/** Per-container identity shared by every tracer in the process. */
import { randomUUID } from 'node:crypto';
import os from 'node:os';

/** Version of this tracer, reported to the intake. */
export const TRACER_VERSION = '0.1.0';

/** One random id per container (cold start), like the Go tracer's host id but per sandbox. */
export const RUNTIME_ID = randomUUID();

let seq = 0;
/** Process-wide request counter for the telemetry envelope: 1, 2, 3, ... and never reset. */
export function nextSeqId(): number {
  seq += 1;
  return seq;
}

export interface HostInfo {
  hostname: string;
  os: string;
  architecture: string;
  kernel_name: string;
  kernel_release: string;
  kernel_version: string;
}

export function hostInfo(hostname: string): HostInfo {
  return {
    hostname,
    os: os.platform(),
    architecture: os.arch(),
    kernel_name: os.type(),
    kernel_release: os.release(),
    kernel_version: os.version(),
  };
}
