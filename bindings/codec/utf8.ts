// UTF-8 both ways for the TypeScript side: strings into bytes for the encoders
// (length and write with no intermediate Uint8Array, as TextEncoder.encode
// costs ~100 ns a call on Node 20), and where byte text may be cut without
// splitting a character. The lead-byte rule is utf8Tail, shared with the
// decoder's twin of assembly/utf8.ts, so every cut agrees with validation.
import { EncodeError } from './errors.js';
import { utf8Tail } from '../js/utf8.js';

const encoder = new TextEncoder();

/** s as UTF-8 bytes (a new array). */
export const utf8Bytes = (s: string): Uint8Array => encoder.encode(s);

/**
 * Where bytes[start, end) stop being whole UTF-8 characters: the start of an
 * unfinished last character, else end. A byte that leads no valid character
 * ends nothing, so it is never held back waiting for bytes that cannot help.
 */
export function utf8WholeEnd(bytes: Uint8Array, start = 0, end = bytes.length): number {
  for (let k = 1; k <= 3 && end - k >= start; k++) {
    const b = bytes[end - k];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    return utf8Tail(b) >= k ? end - k : end;
  }
  return end;
}

// Node's native string length and write: for an 88-character test id 31 ns
// (with the NUL and surrogate checks below) instead of 123 for the loop, and
// 52 ns instead of 136 to write it; short strings stay in JavaScript, where
// they cost less than a native call.
type Writer = (this: Uint8Array, s: string, offset: number) => number;
const nodeBuffer = (globalThis as { Buffer?: { byteLength?: (s: string, enc: 'utf8') => number; prototype: { utf8Write?: Writer } } }).Buffer;
const nativeLength = typeof ''.isWellFormed === 'function' ? nodeBuffer?.byteLength : undefined;
const nativeWrite = nodeBuffer?.prototype.utf8Write;
const NATIVE_FROM = 24;

function nulError(what: string): EncodeError {
  return new EncodeError(`${what} contains a NUL character, which no decoder accepts`);
}
function surrogateError(what: string): EncodeError {
  return new EncodeError(`${what} contains a lone surrogate and cannot be UTF-8`);
}

/** UTF-8 length of s; throws EncodeError for NUL and lone surrogates (no decoder accepts them). */
export function utf8Length(s: string, what: string): number {
  if (nativeLength !== undefined && s.length >= NATIVE_FROM) {
    if (s.indexOf('\0') >= 0) throw nulError(what);
    if (!s.isWellFormed()) throw surrogateError(what);
    return nativeLength(s, 'utf8');
  }
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw nulError(what);
    } else if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw surrogateError(what);
      n += 2; // 2 UTF-16 units → 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/** Write s (already measured by utf8Length, and room made for it) at out[p]; returns the position after it. */
export function writeUtf8(out: Uint8Array, p: number, s: string): number {
  if (nativeWrite !== undefined && s.length >= NATIVE_FROM) return p + nativeWrite.call(out, s, p);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return p + encoder.encodeInto(s.slice(i), out.subarray(p)).written;
    out[p++] = c;
  }
  return p;
}
