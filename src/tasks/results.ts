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
 * Serialises an update to fit one SQS message. Oversized outputs (stdout, stderr, a long list
 * such as sandboxWarnings) are cut from the end, the longest down to a common size, by what they take as
 * JSON (an escaped NUL is six bytes), and the outputs gain `truncated: true` — the exit code
 * and the start of the output arrive rather than nothing.
 */
export function encodeResult(u: TaskUpdate, limit = MAX_RESULT_BYTES): string {
  let body = toJson(u);
  if (Buffer.byteLength(body) <= limit) return body;
  const payload = u.data.attributes.payload;
  const copy: TaskUpdate = structuredClone(u);
  if ('outputs' in payload) {
    const outputs = (copy.data.attributes.payload as SuccessPayload).outputs;
    outputs.truncated = true;
    for (let guard = 0; guard < 64; guard++) {
      body = toJson(copy);
      const excess = Buffer.byteLength(body) - limit;
      if (excess <= 0) return body;
      const cuttable = Object.entries(outputs)
        .filter(([, v]) => (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0))
        .map(([k, v]) => [k, v, jsonBytes(v)] as const)
        .sort((a, b) => b[2] - a[2]);
      if (cuttable.length === 0) break;
      // The longest are cut down to one common size: two long streams each keep their start.
      // Cutting only the longest by the whole excess left stdout empty beside 256 KiB of stderr.
      const level = levelFor(cuttable.map((c) => c[2]), excess + 64);
      for (const [key, v, size] of cuttable) {
        if (size <= level) break;
        outputs[key] = typeof v === 'string' ? cutJson(v, level - 2) : cutList(v as unknown[], level);
      }
    }
  } else {
    const f = copy.data.attributes.payload as FailurePayload;
    f.error_details = cutUtf8(f.error_details, 4096) + ' [truncated]';
    body = toJson(copy);
    if (Buffer.byteLength(body) <= limit) return body;
  }
  // Only an absurd identity (huge task id) gets here: keep the message minimal but valid.
  const a = u.data.attributes;
  return toJson(failed({ taskId: cutUtf8(a.task_id, 512), jobId: cutUtf8(a.job_id, 512), fqn: cutUtf8(a.action_fqn, 512) }, a.message_id, 'INTERNAL_ERROR', 'result too large to publish'));
}

/**
 * JSON that SQS takes as a message body. JSON.stringify escapes control characters and lone
 * surrogates but leaves U+FFFE and U+FFFF as they are, and SQS refuses any message holding one
 * (it allows #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF). They can only occur
 * inside JSON strings, where the \u escape means the same character.
 */
function toJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * The largest size L such that cutting every size above L down to L frees at least `need`
 * bytes (`sizes` longest first).
 */
function levelFor(sizes: readonly number[], need: number): number {
  let sum = 0;
  for (let k = 0; k < sizes.length; k++) {
    sum += sizes[k]!;
    const level = Math.floor((sum - need) / (k + 1));
    if (k + 1 === sizes.length || level >= sizes[k + 1]!) return Math.max(0, level);
  }
  return 0;
}

function jsonBytes(v: unknown): number {
  return Buffer.byteLength(toJson(v));
}

/** The longest prefix of `s` whose JSON string content fits in `bytes`, without splitting a pair. */
function cutJson(s: string, bytes: number): string {
  if (bytes <= 0) return '';
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (jsonBytes(s.slice(0, mid)) - 2 <= bytes) lo = mid;
    else hi = mid - 1;
  }
  const c = s.charCodeAt(lo - 1);
  return s.slice(0, lo > 0 && lo < s.length && c >= 0xd800 && c <= 0xdbff ? lo - 1 : lo);
}

/** The first entries of `list` whose JSON fits in `bytes`. */
function cutList(list: unknown[], bytes: number): unknown[] {
  let used = 2;
  let n = 0;
  for (; n < list.length; n++) {
    used += jsonBytes(list[n]) + (n > 0 ? 1 : 0);
    if (used > bytes) break;
  }
  return list.slice(0, n);
}

/** The longest prefix of `s` whose UTF-8 form fits in `bytes`, without splitting a character. */
function cutUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= bytes) return s;
  let end = bytes;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
