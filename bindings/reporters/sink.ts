// What every test-runner reporter shares: packets written to a file or stdout
// as they are made (synchronously, so a runner killed halfway leaves a valid
// prefix and `subunit trace` on a pipe shows progress live), and the usual
// attachments.
import { openSync, writeSync, closeSync, readSync } from 'node:fs';
import { Encoder } from '../codec/encoder.js';
import { utf8Bytes } from '../codec/utf8.js';
import { Timestamp } from '../codec/timestamp.js';
import type { EventInit, Status } from '../codec/events.js';

export const TRACEBACK_MIME = 'text/x-traceback; charset="utf8"';
export const TEXT_MIME = 'text/plain; charset="utf8"';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A moment in milliseconds since the epoch (fractions kept) as a packet timestamp. */
export function timestampAt(ms: number): Timestamp {
  const s = Math.floor(ms / 1000);
  return new Timestamp(s, Math.round((ms - s * 1000) * 1e6));
}

/** Output that is written through at once: a path, or "-"/undefined for stdout. */
export class SubunitSink {
  // the pure-TypeScript backend: no wasm compile in the runner's process
  private readonly encoder = new Encoder({ backend: 'js' });
  private fd: number | undefined;

  constructor(private readonly path: string | undefined) {}

  write(events: readonly EventInit[]): void {
    if (!events.length) return;
    const fd = this.open();
    const bytes = this.encoder.encodeAll(events);
    for (let at = 0; at < bytes.length; ) {
      try {
        at += writeSync(fd, bytes, at);
      } catch (e) {
        // stdout may be a non-blocking pipe: wait for the reader, lose nothing
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(pause, 0, 0, 5);
      }
    }
  }

  /** Opens the file (truncating it) if not yet open: an empty run still leaves an empty stream. */
  open(): number {
    return (this.fd ??= this.path === undefined || this.path === '-' ? 1 : openSync(this.path, 'w'));
  }

  close(): void {
    if (this.fd !== undefined && this.fd !== 1) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A whole text attachment of a test (none when the text is empty). */
export function textFile(testId: string | undefined, fileName: string, text: string, timestamp: Timestamp, mimeType = TEXT_MIME): EventInit[] {
  return text ? [{ testId, fileName, mimeType, fileBytes: utf8Bytes(text), eof: true, timestamp }] : [];
}

/** A piece of an attachment still being written (stdout/stderr as it comes); eof is never set. */
export function textChunk(testId: string | undefined, fileName: string, text: string | Uint8Array, timestamp: Timestamp): EventInit {
  return { testId, fileName, mimeType: TEXT_MIME, fileBytes: typeof text === 'string' ? utf8Bytes(text) : text, eof: false, timestamp };
}

/** Bytes per packet for files read from disk: the encoder splits anything larger itself, this bounds memory. */
const FILE_PIECE = 1 << 20;

/** A file on disk as an attachment, read and written piece by piece (videos, traces). */
export function* diskFile(testId: string, fileName: string, mimeType: string | undefined, path: string, timestamp: Timestamp): Generator<EventInit> {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(FILE_PIECE);
    let first = true;
    for (;;) {
      const n = readSync(fd, buf, 0, FILE_PIECE, null);
      const piece = buf.slice(0, n);
      const last = n < FILE_PIECE;
      if (n || first || last) yield { testId, fileName, mimeType: first ? mimeType : undefined, fileBytes: piece, eof: last, timestamp };
      first = false;
      if (last) return;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The packets of one finished test: inprogress at its start, its attachments,
 * its status at the end. `tags` go on every packet (python-subunit keeps a
 * test's tags from its last packet).
 */
export function testEvents(
  testId: string,
  status: Status,
  start: Timestamp,
  stop: Timestamp,
  files: readonly EventInit[],
  extra: Partial<EventInit> = {},
): EventInit[] {
  return [
    { testId, status: 'inprogress', timestamp: start, ...extra },
    ...files.map((f) => ({ ...f, ...extra })),
    { testId, status, timestamp: stop, ...extra },
  ];
}

const ANSI = /\x1b\[[0-9;]*m/g;
/** Text without terminal colours (runners colour their messages when they think a terminal shows them). */
export const plain = (s: string): string => s.replace(ANSI, '');

/** Error text for a traceback: the stack when there is one (it starts with the message), else the message. */
export function errorText(e: { message?: string; stack?: string } | undefined): string {
  if (!e) return '';
  const stack = e.stack ?? '';
  const message = e.message ?? '';
  return stack.includes(message) ? stack : [message, stack].filter(Boolean).join('\n');
}

/** Lowest free lane (0, 1, …): the `worker-N` a runner's concurrent work runs on when it names no worker itself. */
export class Lanes<K> {
  private readonly held = new Map<K, number>();
  take(key: K): number {
    const used = new Set(this.held.values());
    let n = 0;
    while (used.has(n)) n++;
    this.held.set(key, n);
    return n;
  }
  of(key: K): number | undefined {
    return this.held.get(key);
  }
  release(key: K): void {
    this.held.delete(key);
  }
}
