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

/** Seconds between two timestamps at python-subunit's (microsecond) precision. */
export function pyDuration(start: Timestamp | undefined, stop: Timestamp | undefined): number {
  return start && stop ? pySeconds(micros(stop) - micros(start)) : 0;
}

/** `str(datetime)` of a UTC timestamp: `2024-01-02 03:04:05.678901+00:00` (no fraction when it is 0). */
export function pyDatetime(t: Timestamp): string {
  const us = micros(t);
  const s = Math.floor(us / 1e6);
  const frac = us - s * 1e6;
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  return frac ? `${dateText}.${String(frac).padStart(6, '0')}+00:00` : `${dateText}+00:00`;
}
// tests of one second share the date and time up to the second: a Date per second seen, not per call
let dateSecond = NaN;
let dateText = '';

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
