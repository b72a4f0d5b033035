// Formatting shared by the tools that mimic python-subunit's output.
import type { Timestamp } from '../bindings/codec/timestamp.js';
import type { Attachment } from '../bindings/results/results.js';

/** Microseconds since the epoch, rounded half-even as python-subunit decodes them. */
export function micros(t: Timestamp): number {
  const q = Math.floor(t.nanos / 1000);
  const r = t.nanos - q * 1000;
  const us = r > 500 || (r === 500 && q % 2 === 1) ? q + 1 : q;
  return t.seconds * 1e6 + us;
}

/** A timedelta's seconds as Python computes them: whole seconds + microseconds / 1e6. */
export function pySeconds(deltaMicros: number): number {
  const whole = Math.floor(deltaMicros / 1e6);
  return whole + (deltaMicros - whole * 1e6) / 1e6;
}

/**
 * `pySeconds(us).toFixed(3)` from the whole microseconds (toFixed was a tenth
 * of junit's time). Off a tie the milliseconds round as the double does: its
 * error is far below the microsecond away from the boundary. A tie, a
 * negative or a huge span goes to toFixed.
 */
export function secondsFixed3(deltaMicros: number): string {
  const whole = Math.floor(deltaMicros / 1e6);
  const rem = deltaMicros - whole * 1e6;
  const r = rem % 1000;
  if (whole < 0 || whole >= 1e9 || r === 500 || !Number.isInteger(rem)) return pySeconds(deltaMicros).toFixed(3);
  const ms = (rem - r) / 1000 + (r > 500 ? 1 : 0);
  return ms === 1000 ? `${whole + 1}.000` : `${whole}.${String(1000 + ms).slice(1)}`;
}

/** secondsFixed3(deltaMicros) as bytes into buf from `at` (32 at most); where it ended. */
export function fixed3Into(buf: Uint8Array, at: number, deltaMicros: number): number {
  // a negative span (a stop before its start) is toFixed's "-" and the span's size:
  // off a tie the double's error is as far below the millisecond as for a positive one
  const size = deltaMicros < 0 ? -deltaMicros : deltaMicros;
  const whole = Math.floor(size / 1e6);
  const rem = size - whole * 1e6;
  const r = rem % 1000;
  if (whole >= 1e9 || r === 500 || !Number.isInteger(rem)) {
    // the rare cases: the string's ASCII
    const s = secondsFixed3(deltaMicros);
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    return at;
  }
  let ms = (rem - r) / 1000 + (r > 500 ? 1 : 0);
  let w = whole;
  if (deltaMicros < 0) buf[at++] = 0x2d; // -
  if (ms === 1000) {
    w++;
    ms = 0;
  }
  at = integerInto(buf, at, w);
  buf[at++] = 0x2e; // .
  const h = (ms / 100) | 0;
  const t = ((ms - h * 100) / 10) | 0;
  buf[at] = 48 + h;
  buf[at + 1] = 48 + t;
  buf[at + 2] = 48 + ms - h * 100 - t * 10;
  return at + 3;
}

/** Seconds between two timestamps at python-subunit's (microsecond) precision. */
export function pyDuration(start: Timestamp | undefined, stop: Timestamp | undefined): number {
  return start && stop ? pySeconds(micros(stop) - micros(start)) : 0;
}

/** `str(datetime)` of a UTC timestamp: `2024-01-02 03:04:05.678901+00:00` (no fraction when it is 0). */
export function pyDatetime(t: Timestamp): string {
  const us = micros(t);
  const s = Math.floor(us / 1e6);
  const frac = us - s * 1e6;
  const text = s === dateSecond ? dateText : dateTime(s);
  // 1e6 + frac: six digits with their leading zeros, no padStart
  return frac ? `${text}.${String(1e6 + frac).slice(1)}+00:00` : `${text}+00:00`;
}
// A Date per day seen, not per second: the time of day is arithmetic. Tests
// of a parallel run finish out of order, so one remembered second missed often.
let dateSecond = NaN;
let dateText = '';
let day = NaN;
let dayText = '';
/** dayText's bytes ("YYYY-MM-DD "). */
const dayBytes = new Uint8Array(11);
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** Makes day d the day of dayText; false when its date is not YYYY-MM-DD. */
function toDay(d: number): boolean {
  if (d === day) return true;
  const iso = new Date(d * 86_400_000).toISOString();
  // years past 9999 (not in a u32 of seconds) would make a longer ISO string
  if (iso.length !== 24) return false;
  day = d;
  dayText = iso.slice(0, 10) + ' ';
  for (let i = 0; i < 11; i++) dayBytes[i] = dayText.charCodeAt(i);
  return true;
}

function dateTime(s: number): string {
  const d = Math.floor(s / 86_400);
  if (!toDay(d)) return new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const inDay = s - d * 86_400;
  const m = Math.floor(inDay / 60);
  dateSecond = s;
  dateText = `${dayText}${TWO_DIGITS[Math.floor(m / 60)]}:${TWO_DIGITS[m % 60]}:${TWO_DIGITS[inDay - m * 60]}`;
  return dateText;
}

/**
 * pyDatetime(t) as bytes into buf from `at` (32 at most): where it ended,
 * or -1 when the date is not YYYY-MM-DD (the caller then makes the string).
 */
export function pyDatetimeInto(buf: Uint8Array, at: number, t: Timestamp): number {
  // micros(t) split into second and fraction without the 16-digit number between
  const q = Math.floor(t.nanos / 1000);
  const r = t.nanos - q * 1000;
  let frac = r > 500 || (r === 500 && q % 2 === 1) ? q + 1 : q;
  let s = t.seconds;
  if (frac === 1e6) {
    s++;
    frac = 0;
  }
  const d = Math.floor(s / 86_400);
  if (!toDay(d)) return -1;
  for (let i = 0; i < 11; i++) buf[at + i] = dayBytes[i];
  const inDay = s - d * 86_400;
  const m = Math.floor(inDay / 60);
  at = twoInto(buf, at + 11, Math.floor(m / 60));
  buf[at++] = 0x3a; // :
  at = twoInto(buf, at, m % 60);
  buf[at++] = 0x3a;
  at = twoInto(buf, at, inDay - m * 60);
  if (frac) {
    buf[at++] = 0x2e; // .
    at = sixInto(buf, at, frac);
  }
  for (let i = 0; i < 6; i++) buf[at++] = UTC.charCodeAt(i);
  return at;
}
const UTC = '+00:00';

/** 0 … 99 as two digits. */
function twoInto(buf: Uint8Array, at: number, n: number): number {
  const tens = (n / 10) | 0;
  buf[at] = 48 + tens;
  buf[at + 1] = 48 + n - tens * 10;
  return at + 2;
}

/** 0 … 999 999 as six digits, leading zeros kept. */
export function sixInto(buf: Uint8Array, at: number, n: number): number {
  for (let i = 5; i >= 0; i--) {
    const q = (n / 10) | 0;
    buf[at + i] = 48 + n - q * 10;
    n = q;
  }
  return at + 6;
}

/** A whole number (below 2^53 in size) as String(n) writes it. */
export function integerInto(buf: Uint8Array, at: number, n: number): number {
  if (n >= 0 && n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n < 0) {
    buf[at++] = 0x2d; // -
    n = -n;
  }
  let len = 1;
  for (let m = n; m >= 10; m = (m - (m % 10)) / 10) len++;
  for (let i = len - 1; i >= 0; i--) {
    const d = n % 10;
    buf[at + i] = 48 + d;
    n = (n - d) / 10;
  }
  return at + len;
}

/**
 * Copies `s` into buf from `at` when each of its characters is printable
 * ASCII (space … ~) other than `a` and `b`: where it ended, or -1 (the
 * caller then makes the string: UTF-8, controls shown escaped, quoting).
 * buf must have room for `s.length` + 4 bytes from `at`.
 */
export function printableInto(buf: Uint8Array, at: number, s: string, a = -1, b = -1): number {
  if (s.length > 40) {
    // a long id: one native copy, then a look at the bytes (charCodeAt on a
    // slice of the batch's text costs a few ns a character; the native call
    // costs more than a short id's loop). A UTF-8 length equal to the
    // string's says every character is ASCII.
    const end = at + s.length;
    if (utf8Write.call(buf, s, at) !== s.length) return -1;
    for (let i = at; i < end; i++) {
      const c = buf[i];
      if (c < 0x20 || c > 0x7e || c === a || c === b) return -1;
    }
    return end;
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === a || c === b) return -1;
    buf[at++] = c;
  }
  return at;
}
type Utf8Write = (this: Uint8Array, s: string, at: number) => number;
const utf8Write = (Buffer.prototype as unknown as { utf8Write: Utf8Write }).utf8Write;

const text = new TextDecoder('utf-8');

/** Is this attachment shown as text? (text/*, or no MIME type but valid UTF-8) */
export function isText(a: Attachment): boolean {
  const m = (a.mimeType ?? '').toLowerCase();
  return m.startsWith('text/') || m.includes('json') || m.includes('xml');
}

/** Attachments as readable text: one block per file, binary ones summarised. */
export function attachmentsText(atts: Attachment[], skip: (name: string) => boolean = () => false): string {
  let out = '';
  for (const a of atts) {
    if (skip(a.name) || a.bytes.length === 0) continue;
    const body = isText(a) ? text.decode(a.bytes) : `(${a.bytes.length} bytes of ${a.mimeType ?? 'application/octet-stream'})`;
    out += `${a.name}: {{{\n${body.endsWith('\n') ? body : body + '\n'}}}}\n`;
  }
  return out;
}

/** Order strings by code point, as Python sorts them (JS `<` compares UTF-16 units). */
export function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * A string from the stream (a test id) made safe to show on a terminal: control
 * characters (C0, DEL, C1) become `\xNN`, so an id cannot ring the bell, move
 * the cursor or change colours. Only for a terminal: piped output keeps the bytes.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\0-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `terminalSafe` when this stream is a terminal, else the identity. */
export function shownOn(stream: { isTTY?: boolean }): (s: string) => string {
  return stream.isTTY ? terminalSafe : (s) => s;
}

/** Python's `str(timedelta)` of a span in microseconds: `0:00:02.000123`, `0:00:02`, `1 day, 2:00:00`. */
export function pyTimedelta(deltaMicros: number): string {
  // a negative span borrows whole days, as Python does: -1 day, 23:59:59.999999
  const days = Math.floor(deltaMicros / 86_400e6);
  const us = deltaMicros - days * 86_400e6;
  const frac = us % 1e6;
  const s = (us - frac) / 1e6;
  const clock = `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  const dayPart = days ? `${days} day${Math.abs(days) === 1 ? '' : 's'}, ` : '';
  return dayPart + clock + (frac ? '.' + String(frac).padStart(6, '0') : '');
}
