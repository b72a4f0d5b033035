// Inputs (files or stdin) and a buffered stdout that respects backpressure.
import { openSync, fstatSync, statSync, readSync, constants, closeSync, writeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, stat, access, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { InputError, SubunitError } from '../bindings/codec/errors.js';
import type { FillSource } from '../bindings/mux/route.js';
import { fileChunks } from '../bindings/adapters/files.js';
import { UsageError } from './errors.js';

export interface Input {
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

export interface InputOptions {
  stdin?: Readable;
  /** Read a file into three buffers in turn (see fileChunks): for consumers done with each chunk before the one after next. */
  reuse?: boolean;
}

/** Open a file or "-" (stdin); refuses directories and names the file in every error. */
export async function openInput(path: string, { stdin = process.stdin, reuse = false }: InputOptions = {}): Promise<Input> {
  if (path === '-') return { name: '<stdin>', chunks: stdin };
  return { name: path, chunks: readAll(await openFile(path), path, reuse) };
}

/**
 * A regular file as a FillSource, read into the consumer's memory: fresh
 * memory costs a page fault per 4 KiB, and a read from the page cache is
 * quicker done at once than as a thread-pool round trip, so the reads are
 * synchronous, with a turn of the event loop after each (workers, timers).
 * Null for "-" and anything but a regular file (read those with openInput).
 */
export function openFill(path: string): (FillSource & { peek(into: Uint8Array): number }) | null {
  if (path === '-') return null;
  let fd: number;
  try {
    // a named pipe is not opened here: an open waits for its writer, and a close loses what it wrote
    if (!statSync(path).isFile()) return null;
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
    /** Read the file's first bytes into `into` without moving on (a pread at 0); the count. */
    peek(into) {
      try {
        return readSync(fd, into, 0, into.length, 0);
      } catch (e) {
        throw readFailure(path, e, 0);
      }
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

/**
 * Throws the InputError openInput would (missing, unreadable, a directory),
 * holding nothing open. Only a regular file is opened to tell: opening a
 * named pipe waits for its writer, and closing it again loses what the
 * writer wrote, so anything else is checked by its mode.
 */
export async function checkInput(path: string): Promise<void> {
  if (path === '-') return;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!st.isFile()) {
      await access(path, constants.R_OK);
      return;
    }
  } catch (e) {
    throw asInputError(e, path);
  }
  await (await openFile(path)).close();
}

/** The file's chunks (see fileChunks), a failed read named with the file and the bytes read before it. */
async function* readAll(fh: FileHandle, path: string, reuse: boolean): AsyncGenerator<Uint8Array> {
  let at = 0; // bytes handed out so far
  try {
    for await (const chunk of fileChunks(fh, reuse)) {
      at += chunk.length;
      yield chunk;
    }
  } catch (e) {
    throw readFailure(path, e, at);
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
    default: {
      // node's "ENOSPC: no space left on device, write": the reason, then the code
      const m = /^(E[A-Z0-9]+): (.+?), [a-z]+\b/.exec(err?.message ?? '');
      return m ? `${m[2]} (${m[1]})` : err?.message ?? String(e);
    }
  }
}

/** A write to the command's output that failed (a full disk, a closed descriptor): says where. */
export function outputError(e: unknown, stream: Writable = process.stdout): Error {
  // a reader that went away stays EPIPE: the command stops quietly
  if (e instanceof SubunitError || (e as NodeJS.ErrnoException)?.code === 'EPIPE') return e as Error;
  const path = (stream as { path?: unknown }).path;
  const name = stream === process.stdout ? 'stdout' : stream === process.stderr ? 'stderr' : typeof path === 'string' ? path : 'output';
  return new SubunitError(`${name}: cannot write: ${describe(e)}`);
}

type Utf8Write = (this: Uint8Array, s: string, at: number) => number;
const utf8Write = (Buffer.prototype as unknown as { utf8Write: Utf8Write }).utf8Write;

/** One promise for two (either may be missing). */
function both(a: Promise<void> | undefined, b: Promise<void> | undefined): Promise<void> | undefined {
  return a && b ? Promise.all([a, b]).then(() => undefined) : a ?? b;
}

/**
 * Writes strings and bytes to a stream in large pieces. Parts are copied into
 * a buffer (UTF-8 encoded in place: no joined string, no per-part object),
 * sent when full; a sent buffer is refilled once the stream has called back
 * for it, so two buffers serve a whole run and memory stays flat. The stream
 * must be done with a chunk when it calls back (fs, stdout and pipes are).
 */
export class Output {
  /** The buffer being filled, and where (public for room()'s callers only). */
  buf: Buffer;
  at = 0;
  /** Buffers whose write has completed, ready to refill. */
  private readonly free: Buffer[] = [];
  /** Writes handed to the stream and not yet called back. */
  private inFlight = 0;
  private failure: Error | undefined;
  private waiting: (() => void)[] = [];
  constructor(private readonly stream: Writable = process.stdout, private readonly size = 1 << 18) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Takes the part (bytes are copied unless large: then the promise resolves
   * once the stream has written them). A promise only when it sent a full
   * buffer and the one before is still being written: callers in hot loops
   * skip the await otherwise, and awaiting it keeps memory bounded.
   */
  write(part: string | Uint8Array): Promise<void> | undefined {
    // short strings (a tool's line a test) are joined and encoded together:
    // the native encode call per line cost as much as making the line
    if (typeof part === 'string' && part.length <= 256) {
      this.text += part;
      return this.text.length < 8192 ? undefined : this.putText();
    }
    // both taken now, as the contract says: the promises only ask the caller to wait
    const waiting = this.text ? this.putText() : undefined;
    return both(waiting, this.put(part));
  }

  /**
   * Room for `n` bytes (at most a quarter of the buffer) at `at` in `buf`,
   * after everything written before, for a caller that writes a short part
   * as bytes itself and moves `at` past it: a tool's line a test without a
   * string made for it. A promise as write's.
   */
  room(n: number): Promise<void> | undefined {
    const waiting = this.text ? this.putText() : undefined;
    return this.buf.length - this.at >= n ? waiting : both(waiting, this.spill());
  }

  /** Short strings written and not yet encoded into the buffer. */
  private text = '';

  private putText(): Promise<void> | undefined {
    const text = this.text;
    this.text = '';
    return this.put(text);
  }

  private put(part: string | Uint8Array): Promise<void> | undefined {
    const room = this.buf.length - this.at;
    if (typeof part === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 unit
      if (part.length * 3 <= room) {
        this.at += utf8Write.call(this.buf, part, this.at);
        return undefined;
      }
      if (part.length * 3 > this.buf.length) return this.sendLarge(part);
      const waiting = this.spill();
      this.at += utf8Write.call(this.buf, part, this.at);
      return waiting;
    }
    if (part.length <= room) {
      const buf = this.buf;
      let at = this.at;
      // a packet or two: a loop beats set()'s call
      if (part.length <= 128) for (let i = 0; i < part.length; i++) buf[at++] = part[i];
      else {
        buf.set(part, at);
        at += part.length;
      }
      this.at = at;
      return undefined;
    }
    if (part.length > this.buf.length >> 2) return this.sendLarge(part);
    const waiting = this.spill();
    this.buf.set(part, this.at);
    this.at += part.length;
    return waiting;
  }

  /** Write bytes the caller will refill: resolves once the stream has written them (nothing is held). */
  writeThrough(part: Uint8Array): Promise<void> {
    const waiting = this.text ? this.putText() : undefined;
    return both(waiting, this.sendLarge(part)) as Promise<void>;
  }

  /** Send what is buffered; resolves once everything sent so far is written. */
  async flush(): Promise<void> {
    if (this.text) await this.putText();
    if (this.at > 0) this.spill();
    await this.below(1);
  }

  /** Sends a part as it is, after what is buffered; resolves once it is written. */
  private async sendLarge(part: string | Uint8Array): Promise<void> {
    if (this.at > 0) this.spill();
    this.send(part, undefined);
    await this.below(1);
  }

  /** Sends the buffer and takes a free one; a promise when more than one write is then in flight. */
  private spill(): Promise<void> | undefined {
    const full = this.buf;
    this.send(full.subarray(0, this.at), full);
    this.buf = this.free.pop() ?? Buffer.allocUnsafe(this.size);
    this.at = 0;
    return this.inFlight > 1 ? this.below(2) : undefined;
  }

  private send(data: string | Uint8Array, reuse: Buffer | undefined): void {
    if (this.failure) throw this.failure;
    this.inFlight++;
    this.stream.write(data, (e) => {
      this.inFlight--;
      if (e) this.failure ??= outputError(e, this.stream);
      else if (reuse) this.free.push(reuse);
      const waiting = this.waiting;
      this.waiting = [];
      for (const wake of waiting) wake();
    });
  }

  /** Resolves once fewer than `n` writes are in flight; rejects with a write's error. */
  private async below(n: number): Promise<void> {
    while (this.inFlight >= n && !this.failure) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Flush, then end the stream when it is not stdout/stderr. */
  async close(): Promise<void> {
    await this.flush();
    if (this.stream === process.stdout || this.stream === process.stderr) return;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}

/**
 * stdout, or a file opened for writing (errors name the file). A file that is
 * also one of `inputs` (stdin when there are none, or `-`) is refused: opening
 * it for writing would empty it before it is read.
 */
export async function outputStream(path: string | undefined, inputs?: readonly string[]): Promise<Writable> {
  if (path === undefined || path === '-') return process.stdout;
  if (inputs) {
    const out = statSync(path, { throwIfNoEntry: false });
    const read = (p: string) => (p === '-' ? fstatSync(0) : statSync(p, { throwIfNoEntry: false }));
    const same = out?.isFile() && (inputs.length ? inputs : ['-']).some((p) => {
      const s = read(p);
      return s !== undefined && s.dev === out.dev && s.ino === out.ino;
    });
    if (same) throw new UsageError(`${path} is also an input: writing to it would empty it before it is read`);
  }
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
 * at the end): UTF-8 in one buffer of `limit` bytes, and beyond that in a
 * temporary file, so memory stays flat however long the run (and no string
 * is kept per part).
 */
export class Spool {
  /** The buffer being filled, and where (public for room()'s callers only). */
  readonly buf: Buffer;
  at = 0;
  private file: { dir: string; fd: number } | undefined;
  constructor(limit = 1 << 20) {
    this.buf = Buffer.allocUnsafe(limit);
  }

  /** Short texts added and not yet encoded: joined first, as Output does (a native call per part). */
  private text = '';

  add(text: string): void {
    if (text.length <= 256) {
      this.text += text;
      if (this.text.length >= 8192) this.putText();
      return;
    }
    this.putText();
    this.put(text);
  }

  /**
   * Room for `n` bytes (at most the buffer's size) at `at` in `buf`, after
   * everything added before, for a caller that writes a short part as bytes
   * itself and moves `at` past it (Output.room's contract, synchronously).
   */
  room(n: number): void {
    if (this.text) this.putText();
    if (this.buf.length - this.at < n) this.spill();
  }

  private putText(): void {
    const text = this.text;
    this.text = '';
    if (text) this.put(text);
  }

  private put(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (text.length * 3 > this.buf.length - this.at) {
      this.spill();
      if (text.length * 3 > this.buf.length) {
        writeSync(this.openFile(), text);
        return;
      }
    }
    this.at += utf8Write.call(this.buf, text, this.at);
  }

  private openFile(): number {
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'subunit-spool-'));
      this.file = { dir, fd: openSync(join(dir, 'spool'), 'w+') };
    }
    return this.file.fd;
  }

  private spill(): void {
    if (this.at === 0) return;
    const fd = this.openFile();
    for (let done = 0; done < this.at; ) done += writeSync(fd, this.buf, done, this.at - done);
    this.at = 0;
  }

  /** Writes everything held, in order, then frees it. */
  async writeTo(out: Output): Promise<void> {
    try {
      this.putText();
      if (this.file) {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (let at = 0, n; (n = readSync(this.file.fd, buf, 0, buf.length, at)) > 0; at += n) await out.writeThrough(buf.subarray(0, n));
      }
      if (this.at > 0) await out.writeThrough(this.buf.subarray(0, this.at));
      this.at = 0;
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
