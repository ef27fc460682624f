/**
 * Task results in the PAR task-update shape:
 * { "data": { "type": "taskUpdate", "id": "succeed_task" | "fail_task", "attributes": {
 *   "task_id", "action_fqn", "job_id", "client", "payload" } } }
 * payload: { "branch": "main", "outputs" } on success, { "error_code", "error_details" } on
 * failure. error_code is the PAR enum's name (protojson form).
 */
import type { ErrorCode } from './errors.js';
import type { TaskIdentity } from './envelope.js';

export interface TaskUpdate {
  data: {
    type: 'taskUpdate';
    id: 'succeed_task' | 'fail_task';
    attributes: {
      task_id: string;
      action_fqn: string;
      job_id: string;
      client?: number | string;
      /** The SQS message the task came in; always set, so even an unreadable body is traceable. */
      message_id: string;
      payload: SuccessPayload | FailurePayload;
    };
  };
}

export interface SuccessPayload {
  branch: 'main';
  outputs: Record<string, unknown>;
}

export interface FailurePayload {
  error_code: ErrorCode;
  error_details: string;
}

export function succeeded(id: Required<Pick<TaskIdentity, 'taskId' | 'jobId' | 'fqn'>> & TaskIdentity, messageId: string, outputs: Record<string, unknown>): TaskUpdate {
  return update('succeed_task', id, messageId, { branch: 'main', outputs });
}

export function failed(id: TaskIdentity, messageId: string, code: ErrorCode, details: string): TaskUpdate {
  return update('fail_task', id, messageId, { error_code: code, error_details: details });
}

function update(kind: TaskUpdate['data']['id'], id: TaskIdentity, messageId: string, payload: TaskUpdate['data']['attributes']['payload']): TaskUpdate {
  const attributes: TaskUpdate['data']['attributes'] = {
    task_id: id.taskId ?? '',
    action_fqn: id.fqn ?? '',
    job_id: id.jobId ?? '',
    message_id: messageId,
    payload,
  };
  if (id.client !== undefined) attributes.client = id.client;
  return { data: { type: 'taskUpdate', id: kind, attributes } };
}

/** SQS's message size limit. */
export const MAX_RESULT_BYTES = 256 * 1024;

/**
 * Serialises an update to fit one SQS message. Oversized string outputs (stdout, stderr)
 * are cut from the end, longest first, and the outputs gain `truncated: true` — the exit
 * code and the start of the output arrive rather than nothing.
 */
export function encodeResult(u: TaskUpdate, limit = MAX_RESULT_BYTES): string {
  let body = JSON.stringify(u);
  if (Buffer.byteLength(body) <= limit) return body;
  const payload = u.data.attributes.payload;
  const copy: TaskUpdate = structuredClone(u);
  if ('outputs' in payload) {
    const outputs = (copy.data.attributes.payload as SuccessPayload).outputs;
    outputs.truncated = true;
    for (let guard = 0; guard < 64; guard++) {
      body = JSON.stringify(copy);
      const excess = Buffer.byteLength(body) - limit;
      if (excess <= 0) return body;
      const longest = Object.entries(outputs)
        .filter(([, v]) => typeof v === 'string')
        .sort((a, b) => (b[1] as string).length - (a[1] as string).length)[0];
      if (!longest) break;
      const s = longest[1] as string;
      outputs[longest[0]] = cutUtf8(s, Math.max(0, Buffer.byteLength(s) - excess - 64));
    }
  } else {
    const f = copy.data.attributes.payload as FailurePayload;
    f.error_details = cutUtf8(f.error_details, 4096) + ' [truncated]';
    body = JSON.stringify(copy);
    if (Buffer.byteLength(body) <= limit) return body;
  }
  // Only an absurd identity (huge task id) gets here: keep the message minimal but valid.
  const a = u.data.attributes;
  return JSON.stringify(failed({ taskId: cutUtf8(a.task_id, 512), jobId: cutUtf8(a.job_id, 512), fqn: cutUtf8(a.action_fqn, 512) }, a.message_id, 'INTERNAL_ERROR', 'result too large to publish'));
}

/** The longest prefix of `s` whose UTF-8 form fits in `bytes`, without splitting a character. */
function cutUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= bytes) return s;
  let end = bytes;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
