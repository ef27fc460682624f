/**
 * Tasks fanned out through an SNS topic. Without raw message delivery on the subscription,
 * SQS delivers SNS's notification JSON, and the task is its `Message` string; the producer's
 * trace context then travels in the notification's own `MessageAttributes._datadog`
 * (`{ "Type": "String" | "Binary", "Value" }`, Binary being base64), where Datadog's tracers
 * put it when they publish to SNS, not in the SQS message attributes.
 */

export interface SnsNotification {
  /** The published message: here, the task envelope's JSON text. */
  message: string;
  /** The `_datadog` carrier's JSON text, when the notification has one. */
  datadogCarrier?: string;
}

/**
 * The notification in a parsed body, or undefined when the body is not one. Recognised by
 * SNS's own fields (`Type: "Notification"`, `TopicArn`, a string `Message`) so that a task
 * envelope is never mistaken for one.
 */
export function asSnsNotification(raw: unknown): SnsNotification | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (o.Type !== 'Notification' || typeof o.TopicArn !== 'string' || typeof o.Message !== 'string') return undefined;
  const attrs = o.MessageAttributes;
  const attr = attrs && typeof attrs === 'object' ? (attrs as Record<string, unknown>)._datadog : undefined;
  const value = attr && typeof attr === 'object' ? (attr as { Type?: unknown; Value?: unknown }) : undefined;
  if (typeof value?.Value !== 'string') return { message: o.Message };
  const carrier = value.Type === 'Binary' ? Buffer.from(value.Value, 'base64').toString('utf8') : value.Value;
  return { message: o.Message, datadogCarrier: carrier };
}
