// Inputs (files or stdin) and a buffered stdout that respects backpressure.
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { InputError } from '../bindings/errors.js';

export interface Input {
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

const CHUNK = 4 << 20; // large reads: fewer packets straddle two chunks (each straddling one is copied once)

/**
 * Open a file or "-" (stdin); refuses directories and names the file in every
 * error. `recycle`: a regular file's chunks all view one buffer, each valid
 * only until the next chunk is asked for (see readInPlace).
 */
export async function openInput(path: string, { recycle = false, stdin = process.stdin }: { recycle?: boolean; stdin?: Readable } = {}): Promise<Input> {
  if (path === '-') return { name: '<stdin>', chunks: stdin };
  const fh = await openFile(path);
  return { name: path, chunks: recycle && (await fh.stat()).isFile() ? readInPlace(fh, path) : readAll(fh, path) };
}

async function openFile(path: string): Promise<FileHandle> {
  let fh;
  try {
    fh = await open(path, 'r');
    if ((await fh.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return fh;
  } catch (e) {
    await fh?.close();
    throw new InputError(`${path}: ${describe(e)}`, path);
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

/**
 * A regular file's bytes, every chunk read into the same buffer. Fresh memory
 * costs a page fault per 4 KiB, and a read from the page cache is quicker
 * done at once than as a thread-pool round trip, so the reads are synchronous,
 * with a turn of the event loop after each chunk (workers, timers).
 */
async function* readInPlace(fh: FileHandle, path: string): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(CHUNK);
  let at = 0; // bytes handed out so far
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fh.fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw readFailure(path, e, at);
      }
      if (n === 0) return;
      at += n;
      yield buf.subarray(0, n);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await fh.close();
  }
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

  async write(part: string | Uint8Array): Promise<void> {
    // large binary pieces go out as they are (no concatenation copy)
    if (typeof part !== 'string' && part.length >= this.limit) {
      await this.flush();
      await this.send(part);
      return;
    }
    this.parts.push(part);
    this.size += part.length;
    if (this.size >= this.limit) await this.flush();
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
    stream.once('error', (e) => reject(new InputError(`${path}: ${describe(e)}`, path)));
  });
  return stream;
}
