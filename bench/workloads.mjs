// Deterministic benchmark inputs (same bytes on every run and machine): a real
// recorded run, many small packets from parallel workers, 1 MiB attachments,
// and a stream that is mostly chatter. Built with our encoder, which writes
// python-subunit's exact bytes.
import { readFileSync } from 'node:fs';
import { Encoder, Timestamp } from '../dist/bindings/index.js';

const TARGET = 16e6;
const MIB = 1 << 20;

/** xorshift32: a fixed pseudo-random sequence, so the inputs never change. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function repeatTo(unit, size) {
  const copies = Math.ceil(size / unit.length);
  const out = new Uint8Array(unit.length * copies);
  for (let i = 0; i < copies; i++) out.set(unit, i * unit.length);
  return out;
}

/** Bytes appended into one buffer allocated up front (short-lived parts keep GC cheap). */
class Writer {
  constructor(capacity) {
    this.buf = new Uint8Array(capacity);
    this.length = 0;
  }
  put(bytes) {
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  putText(s) {
    this.length += textEncoder.encodeInto(s, this.buf.subarray(this.length)).written;
  }
  bytes() {
    return this.buf.slice(0, this.length);
  }
}
const textEncoder = new TextEncoder();
const encoder = new Encoder({ backend: 'js' });

/** Encode events until the stream reaches `size` bytes. */
function encodeUntil(size, nextEvent) {
  const out = new Writer(size + 2 * MIB + 64);
  for (let i = 0; out.length < size; i++) out.put(encoder.encode(nextEvent(i)));
  return out.bytes();
}

export function realRun() {
  const sample = new Uint8Array(readFileSync(new URL('../fixtures/sample-run.subunit', import.meta.url)));
  const bytes = repeatTo(sample, TARGET);
  return { name: 'real-run', bytes, about: `fixtures/sample-run.subunit (a recorded run) repeated ×${bytes.length / sample.length}` };
}

/** ~60-byte packets: 16 workers each reporting inprogress then a result, tagged and route-coded. */
export function smallPackets() {
  const rand = prng(0x5eed0001);
  const results = ['success', 'success', 'success', 'success', 'success', 'success', 'fail', 'skip'];
  const bytes = encodeUntil(TARGET, (i) => {
    const test = i >> 1;
    const worker = test % 16;
    return {
      testId: `pkg.mod${test % 97}.Test${test % 13}.test_${test}`,
      status: i & 1 ? results[rand() & 7] : 'inprogress',
      tags: [`worker-${worker}`],
      routeCode: `${worker >> 2}/${worker & 3}`,
      timestamp: new Timestamp(1_700_000_000 + (i >> 4), (rand() % 1_000_000) * 1000),
    };
  });
  return { name: 'small-packets', bytes, about: '~60-byte packets: test id, status, 1 tag, 2-level route code, timestamp' };
}

/** 1 MiB attachments of pseudo-random bytes (binary, so 0xB3 occurs inside them). */
export function attachments() {
  const rand = prng(0x5eed0002);
  const payload = new Uint8Array(MIB);
  const words = new Uint32Array(payload.buffer);
  for (let i = 0; i < words.length; i++) words[i] = rand();
  const bytes = encodeUntil(16 * MIB, (i) => ({
    testId: `pkg.test_attachment_${i}`,
    mimeType: 'application/octet-stream',
    fileName: `core.${i}`,
    fileBytes: payload,
    eof: true,
    routeCode: `${i & 3}`,
  }));
  return { name: 'attachments', bytes, about: '16 packets of 1 MiB file content each (random bytes)' };
}

/** Mostly non-subunit text (log lines, some UTF-8 like "ó" = C3 B3) between small packets. */
// UTF-8 words include C3 B3 ("ó"), a 0xB3 the scanner must classify as text
const LOG_WORDS = ['connecting', 'to', 'db', 'retry', 'ok', 'información', 'señal', 'canción', 'worker', 'done', '2026-11-25', 'WARN', 'DEBUG'];

/** Log lines of `words` around each test's two packets, until `size` bytes. */
function logLines(words, size) {
  const rand = prng(0x5eed0003);
  const out = new Writer(size + 4096);
  for (let test = 0; out.length < size; test++) {
    const ts = new Timestamp(1_700_000_000 + test, 0);
    const id = `pkg.chatty.TestLogs.test_${test}`;
    out.put(encoder.encode({ testId: id, status: 'inprogress', timestamp: ts }));
    for (let line = 0, lines = 4 + (rand() % 12); line < lines; line++) {
      let s = '';
      for (let w = 0, n = 4 + (rand() % 10); w < n; w++) s += words[rand() % words.length] + ' ';
      out.putText(s + '\n');
    }
    out.put(encoder.encode({ testId: id, status: 'success', timestamp: ts }));
  }
  return out.bytes();
}

export function chatterHeavy() {
  return { name: 'chatter-heavy', bytes: logLines(LOG_WORDS, TARGET), about: '4–15 log lines of text (86 % of the bytes; some UTF-8, "ó" = C3 B3) around each test\'s two packets' };
}

/**
 * The scanner's known worst case (bench/RESULTS.md, analysis): a lone word
 * "ó" makes "ó ó" = C3 B3 20 C3 B3 …, a plausible header claiming ~3.3 MB
 * whose CRC is computed before the UTF-8 rule turns it back into text.
 */
export function chatterWorstCase(size = 8e6) {
  const words = LOG_WORDS.map((w) => (w === 'canción' ? 'ó' : w));
  return { name: 'chatter-worst-case', bytes: logLines(words, size), about: 'as chatter-heavy, 8 MB, with a lone word "ó" (the scanner\'s quadratic case)' };
}

export function allWorkloads() {
  return [realRun(), smallPackets(), attachments(), chatterHeavy()];
}
