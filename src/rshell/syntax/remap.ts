/**
 * Maps every offset in a subtree through `map` (inner offset → script offset). Used for
 * backquoted command substitutions, whose body is parsed after unescaping. Every number
 * in the AST is a byte offset (or -1 for "absent"), so the walk is generic; only `end`
 * is exclusive.
 */
export function remapPositions(node: object, map: ArrayLike<number>): void {
  const rec = node as Record<string, unknown>;
  for (const key in rec) {
    const v = rec[key];
    if (typeof v === 'number') {
      if (v < 0) continue;
      // `end` is exclusive: map the last byte and step past it, so a span never swallows
      // the escape that follows it.
      if (key === 'end' && v > 0) rec[key] = map[Math.min(v - 1, map.length - 1)] + 1;
      else rec[key] = map[Math.min(v, map.length - 1)];
    } else if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') remapPositions(item, map);
    } else if (v !== null && typeof v === 'object') {
      remapPositions(v, map);
    }
  }
}
