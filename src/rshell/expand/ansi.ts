/** `$'...'` (ANSI-C quoting) decoding to bytes, as bash does. */

function utf8(cp: number): string {
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
}

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

export function decodeAnsiC(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (n >= '0' && n <= '7') {
      let j = i;
      while (j < s.length && j < i + 3 && s[j]! >= '0' && s[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(s.slice(i, j), 8) & 0xff);
      i = j - 1;
      continue;
    }
    const hexLen = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hexLen) {
      let j = i + 1;
      while (j < s.length && j < i + 1 + hexLen && /[0-9a-fA-F]/.test(s[j]!)) j++;
      if (j === i + 1) {
        out += '\\' + n;
        continue;
      }
      const v = parseInt(s.slice(i + 1, j), 16);
      out += n === 'x' ? String.fromCharCode(v) : v <= 0x10ffff ? utf8(v) : '';
      i = j - 1;
      continue;
    }
    if (n === 'c' && i + 1 < s.length) {
      out += String.fromCharCode(s.charCodeAt(++i) & 0x1f);
      continue;
    }
    out += '\\' + n;
  }
  return out;
}
