// Inputs (files or stdin) and a buffered stdout that respects backpressure.
import { openSync, fstatSync, readSync, closeSync, writeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { InputError } from '../bindings/codec/errors.js';
import type { FillSource } from '../bindings/mux/route.js';

export interface Input {
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

const CHUNK = 4 << 20; // large reads: fewer packets straddle two chunks (each straddling one is copied once)

/** Open a file or "-" (stdin); refuses directories and names the file in every error. */
export async function openInput(path: string, { stdin = process.stdin }: { stdin?: Readable } = {}): Promise<Input> {
  if (path === '-') return { name: '<stdin>', chunks: stdin };
  return { name: path, chunks: readAll(await openFile(path), path) };
}

/**
 * A regular file as a FillSource, read into the consumer's memory: fresh
 * memory costs a page fault per 4 KiB, and a read from the page cache is
 * quicker done at once than as a thread-pool round trip, so the reads are
 * synchronous, with a turn of the event loop after each (workers, timers).
 * Null for "-" and anything but a regular file (read those with openInput).
 */
export function openFill(path: string): FillSource | null {
  if (path === '-') return null;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw asInputError(e, path);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return null;
  }
  let at = 0; // bytes read so far
  return {
    async fill(into) {
      let n: number;
      try {
        n = readSync(fd, into, 0, into.length, null);
      } catch (e) {
        throw readFailure(path, e, at);
      }
      at += n;
      await new Promise((resolve) => setImmediate(resolve));
      return n;
    },
    close: () => closeSync(fd),
  };
}

async function openFile(path: string): Promise<FileHandle> {
  let fh;
  try {
    fh = await open(path, 'r');
    if ((await fh.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return fh;
  } catch (e) {
    await fh?.close();
    throw asInputError(e, path);
  }
}

/** Throws the InputError openInput would (missing, unreadable, a directory), holding nothing open. */
export async function checkInput(path: string): Promise<void> {
  if (path !== '-') await (await openFile(path)).close();
}

/** The file's bytes in large chunks, the next read already under way while the caller works on one. */
async function* readAll(fh: FileHandle, path: string): AsyncGenerator<Uint8Array> {
  const next = async (): Promise<Uint8Array> => {
    const buf = new Uint8Array(CHUNK);
    try {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      return buf.subarray(0, bytesRead);
    } catch (e) {
      throw readFailure(path, e, at);
    }
  };
  let at = 0; // bytes handed out so far
  let ahead: Promise<Uint8Array> | undefined;
  try {
    for (let chunk = await next(); chunk.length > 0; ) {
      at += chunk.length;
      ahead = next();
      ahead.catch(() => {}); // reported when awaited below
      yield chunk;
      chunk = await ahead;
      ahead = undefined;
    }
  } finally {
    await ahead?.catch(() => {});
    await fh.close();
  }
}

/** An error met while opening or reading an input, as an InputError naming it. */
export function asInputError(e: unknown, name: string): InputError {
  return e instanceof InputError ? e : new InputError(`${name}: ${describe(e)}`, name);
}

/** A read of `path` that failed after `at` bytes. */
function readFailure(path: string, e: unknown, at: number): InputError {
  return new InputError(`${path}: ${describe(e)} (at byte ${at})`, path, at);
}

export function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return err?.message ?? String(e);
  }
}

/** Write strings/bytes to a stream in large pieces, waiting when it is full. */
export class Output {
  private parts: (string | Uint8Array)[] = [];
  private size = 0;
  constructor(private readonly stream: Writable = process.stdout, private readonly limit = 1 << 16) {}

  /** Buffers the part; a promise only when it had to write (callers in hot loops skip the await otherwise). */
  write(part: string | Uint8Array): Promise<void> | undefined {
    // large binary pieces go out as they are (no concatenation copy)
    if (typeof part !== 'string' && part.length >= this.limit) return this.flush().then(() => this.send(part));
    this.parts.push(part);
    this.size += part.length;
    return this.size >= this.limit ? this.flush() : undefined;
  }

  /** Write bytes the caller will refill: resolves once the stream has written them (nothing is held). */
  async writeThrough(part: Uint8Array): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.write(part, (e) => (e ? reject(e) : resolve())));
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    const data = parts.every((p) => typeof p === 'string')
      ? (parts as string[]).join('')
      : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    await this.send(data);
  }

  private async send(data: string | Uint8Array): Promise<void> {
    if (!this.stream.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const done = (e?: Error) => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          e ? reject(e) : resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }

  /** Flush, then end the stream when it is not stdout/stderr. */
  async close(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout || this.stream === process.stderr) return;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}

/** stdout, or a file opened for writing (errors name the file). */
export async function outputStream(path: string | undefined): Promise<Writable> {
  if (path === undefined || path === '-') return process.stdout;
  const { createWriteStream } = await import('node:fs');
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(asInputError(e, path)));
  });
  return stream;
}

/**
 * Text kept to be written later (a report whose header needs totals known only
 * at the end): held in memory up to `limit` characters, beyond that in a
 * temporary file, so memory stays flat however long the run.
 */
export class Spool {
  private parts: string[] = [];
  private size = 0;
  private file: { dir: string; fd: number } | undefined;
  constructor(private readonly limit = 4 << 20) {}

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.spill();
  }

  private spill(): void {
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'subunit-spool-'));
      this.file = { dir, fd: openSync(join(dir, 'spool'), 'w+') };
    }
    writeSync(this.file.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  /** Writes everything held, in order, then frees it. */
  async writeTo(out: Output): Promise<void> {
    try {
      if (this.file) {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (let at = 0, n; (n = readSync(this.file.fd, buf, 0, buf.length, at)) > 0; at += n) await out.writeThrough(buf.subarray(0, n));
      }
      for (const p of this.parts) await out.write(p);
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    if (!this.file) return;
    closeSync(this.file.fd);
    rmSync(this.file.dir, { recursive: true, force: true });
    this.file = undefined;
  }
}
