/**
 * Tasks routed by an EventBridge rule to the queue. Without an input transformer, the rule's
 * SQS target delivers the whole event, and the task is its `detail`; the producer's trace
 * context then travels in `detail._datadog` (Datadog text-map headers as an object), where
 * Datadog's tracers put it when they call PutEvents, and where Datadog's Lambda library
 * reads it for EventBridge-to-SQS messages.
 */

export interface EventBridgeEvent {
  /** The event's `detail`: here, the task envelope (already parsed with the body, ids exact). */
  detail: unknown;
  /** `detail._datadog`, when the detail has one. */
  datadogCarrier?: unknown;
}

/**
 * The event in a parsed body, or undefined when the body is not one. Recognised by the
 * fields every EventBridge event has (`detail-type` and `source` strings, a `detail`) so
 * that a task envelope, which has none of them, is never mistaken for one.
 */
export function asEventBridgeEvent(raw: unknown): EventBridgeEvent | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o['detail-type'] !== 'string' || typeof o.source !== 'string' || !('detail' in o)) return undefined;
  const detail = o.detail;
  const carrier = detail && typeof detail === 'object' ? (detail as Record<string, unknown>)._datadog : undefined;
  return carrier === undefined ? { detail } : { detail, datadogCarrier: carrier };
}
