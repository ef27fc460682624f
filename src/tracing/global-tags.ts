/**
 * DD_TAGS: tags every span carries, as Datadog's tracers read them. Entries are separated by
 * commas when the value has one (a value may then hold spaces: `owner:Jane Doe`), else by
 * whitespace; each is `key:value`, the key ending at the first colon (so a value may hold
 * colons: `region:us:east`), both trimmed. `env`, `version` and `service` are not span tags but
 * the defaults DD_ENV, DD_VERSION and DD_SERVICE set, which win when both are given.
 */

export interface ParsedTags {
  /** Meta tags for every span; undefined when there are none. */
  tags?: Record<string, string>;
  env?: string;
  version?: string;
  service?: string;
}

/** Parses a DD_TAGS value. Throws an Error naming the variable and the entry's position, never its text. */
export function parseDdTags(value: string | undefined): ParsedTags {
  const out: ParsedTags = {};
  if (value === undefined) return out;
  // Splitting a comma-separated value at spaces too cut `owner:Jane Doe` into a refused entry.
  const entries = value.split(value.includes(',') ? ',' : /\s+/).filter((e) => e.trim() !== '');
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const key = colon < 0 ? '' : entry.slice(0, colon).trim();
    const v = entry.slice(colon + 1).trim();
    if (key === '' || v === '') throw new Error(`DD_TAGS: entry ${i + 1} of ${entries.length} is not key:value`);
    if (key === 'env' || key === 'version' || key === 'service') out[key] = v;
    // No prototype: `__proto__:x` is a tag like any other, not a prototype to set.
    else (out.tags ??= Object.create(null) as Record<string, string>)[key] = v;
  });
  return out;
}
