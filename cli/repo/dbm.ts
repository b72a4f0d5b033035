// Reading Python's dbm.dumb files (stestr's times.dbm): NAME.dir holds one
// line per key, `repr(key), (offset, size)`, the key being its UTF-8 bytes
// decoded as Latin-1; NAME.dat holds the values at those offsets.
import { readFileSync } from 'node:fs';

/** The key → value pairs of a dumb dbm, or undefined when it is absent or not in that format (gdbm, ndbm). */
export function readDumbDbm(base: string): Map<string, string> | undefined {
  let dir: string;
  let dat: Buffer;
  try {
    dir = readFileSync(`${base}.dir`, 'latin1');
    dat = readFileSync(`${base}.dat`);
  } catch {
    return undefined;
  }
  const out = new Map<string, string>();
  for (const line of dir.split('\n')) {
    if (line.trim() === '') continue;
    const key = pythonString(line);
    if (!key) return undefined;
    const m = /^,\s*\((\d+),\s*(\d+)\)\s*$/.exec(line.slice(key.end));
    if (!m) return undefined;
    const [at, size] = [Number(m[1]), Number(m[2])];
    if (at + size > dat.length) return undefined;
    out.set(Buffer.from(key.value, 'latin1').toString('utf8'), dat.subarray(at, at + size).toString('utf8'));
  }
  return out;
}

const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** A Python str literal at the start of `s` (as repr() writes it): its value and where it ends. */
export function pythonString(s: string): { value: string; end: number } | undefined {
  const quote = s[0];
  if (quote !== "'" && quote !== '"') return undefined;
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = s[++i];
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex) {
      const digits = s.slice(i + 1, i + 1 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) return undefined;
      value += String.fromCodePoint(parseInt(digits, 16));
      i += hex;
    } else if (e in SIMPLE) value += SIMPLE[e];
    else return undefined;
  }
  return undefined;
}
