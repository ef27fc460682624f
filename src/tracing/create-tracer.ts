/**
 * The tracer, made synchronously with every exporter at hand: for tools, tests and benchmarks.
 * The Lambda uses openTracer (config.ts), which loads the agent's exporter only when it is
 * used; this module's static import of it would put it in every cold start.
 */
import { agentExporter } from './agent-exporter.js';
import { buildTracer } from './config.js';
import type { Tracer, TracerConfig } from './types.js';

export function createTracer(cfg: TracerConfig): Tracer {
  return buildTracer(cfg, agentExporter);
}
