/**
 * DD_TAGS: tags every span carries, as Datadog's tracers read them. Entries are separated by
 * commas or whitespace; each is `key:value`, the key ending at the first colon (so a value
 * may hold colons: `region:us:east`). `env`, `version` and `service` are not span tags but
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
  const entries = value.split(/[\s,]+/).filter((e) => e !== '');
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) {
      throw new Error(`DD_TAGS: entry ${i + 1} of ${entries.length} is not key:value`);
    }
    const key = entry.slice(0, colon);
    const v = entry.slice(colon + 1);
    if (key === 'env' || key === 'version' || key === 'service') out[key] = v;
    else (out.tags ??= {})[key] = v;
  });
  return out;
}
