/**
 * DD_TRACE_SAMPLING_RULES: Datadog's trace sampling rules, a JSON array of
 * `{"service", "name", "resource", "tags": {key: pattern}, "sample_rate"}` objects. Each
 * present field is a glob (`*` any run, `?` one character, case-insensitive) that the root
 * span of a trace this process starts must match; the first rule that matches gives the
 * rate, and DD_TRACE_SAMPLE_RATE (when set) stands for a last rule that matches anything.
 * Rules decide at the root's start: here the root is `action.run`, with the task's resource
 * (the action FQN) and its tags, so a rule can sample by action, job or tag, never by what a
 * script later does.
 */

export interface SamplingRule {
  service?: string;
  name?: string;
  resource?: string;
  /** Tag key → pattern; every one must match. */
  tags?: Readonly<Record<string, string>>;
  /** 0..1. */
  sampleRate: number;
}

/** What a rule reads of a root span. */
export interface RuleSubject {
  readonly service: string;
  readonly name: string;
  readonly resource: string;
  tagValue(key: string): string | number | undefined;
}

const VARIABLE = 'DD_TRACE_SAMPLING_RULES';
/** Fields other tracers write that decide nothing here. */
const IGNORED_FIELDS = new Set(['provenance']);
const PATTERN_FIELDS = ['service', 'name', 'resource'] as const;

/**
 * The rules of a DD_TRACE_SAMPLING_RULES value (undefined: unset). Throws an Error naming
 * the variable, the rule's position and the field, never a value.
 */
export function parseSamplingRules(text: string | undefined): SamplingRule[] | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${VARIABLE} must be a JSON array of rules`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${VARIABLE} must be a JSON array of rules`);
  return parsed.map((raw, i) => parseRule(raw, `${VARIABLE} rule ${i + 1}`));
}

function parseRule(raw: unknown, where: string): SamplingRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object`);
  const rule: SamplingRule = { sampleRate: 1 };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'sample_rate') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${where}: sample_rate must be a number from 0 to 1`);
      rule.sampleRate = value;
    } else if ((PATTERN_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'string') throw new Error(`${where}: ${key} must be a string pattern`);
      rule[key as (typeof PATTERN_FIELDS)[number]] = value;
    } else if (key === 'tags') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw new Error(`${where}: tags must be an object of string patterns`);
      }
      rule.tags = value as Record<string, string>;
    } else if (!IGNORED_FIELDS.has(key)) {
      // A misspelt field would otherwise make a rule match every trace.
      throw new Error(`${where}: unknown field ${JSON.stringify(key.slice(0, 40))} (known: service, name, resource, tags, sample_rate)`);
    }
  }
  return rule;
}

/** The first rule `span` matches. */
export function matchingRule(rules: readonly SamplingRule[], span: RuleSubject): SamplingRule | undefined {
  return rules.find((r) => matches(r, span));
}

function matches(rule: SamplingRule, span: RuleSubject): boolean {
  if (rule.service !== undefined && !globMatch(rule.service, span.service)) return false;
  if (rule.name !== undefined && !globMatch(rule.name, span.name)) return false;
  if (rule.resource !== undefined && !globMatch(rule.resource, span.resource)) return false;
  if (rule.tags !== undefined) {
    for (const key of Object.keys(rule.tags)) {
      const pattern = rule.tags[key];
      const value = span.tagValue(key);
      if (value === undefined) return false;
      // A number matches as its decimal form when whole; otherwise only a pattern of `*`s does.
      if (typeof value === 'number' && !Number.isInteger(value)) {
        if (!/^\*+$/.test(pattern)) return false;
      } else if (!globMatch(pattern, String(value))) return false;
    }
  }
  return true;
}

/**
 * Whether `subject` matches `pattern` (`*` any run, `?` one character), ignoring case.
 * Greedy with one backtrack point, so linear in practice and never exponential.
 */
export function globMatch(pattern: string, subject: string): boolean {
  const p = pattern.toLowerCase();
  const s = subject.toLowerCase();
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
