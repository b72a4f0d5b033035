// Node-only: a file's bytes in large chunks, for decodeFile and the CLI.
import type { FileHandle } from 'node:fs/promises';

/** 4 MiB reads: fewer packets straddle two chunks (each straddling one is copied once). */
export const FILE_CHUNK = 4 << 20;

/**
 * The rest of an open file in FILE_CHUNK reads, the next read already under
 * way while the caller works on a chunk. With `reuse`, three buffers are read
 * into in turn instead of fresh memory per read (fresh 4 MiB buffers pile up
 * until a full GC): a chunk is overwritten once the one after next is asked
 * for, so only for consumers done with a chunk by then (events view their
 * chunk, so decodeFile does not reuse). Closes the handle when done.
 */
export async function* fileChunks(fh: FileHandle, reuse = false): AsyncGenerator<Uint8Array> {
  const ring = reuse ? [new Uint8Array(FILE_CHUNK), new Uint8Array(FILE_CHUNK), new Uint8Array(FILE_CHUNK)] : [];
  let reads = 0;
  const next = async (): Promise<Uint8Array> => {
    const buf = reuse ? ring[reads++ % ring.length] : new Uint8Array(FILE_CHUNK);
    const { bytesRead } = await fh.read(buf, 0, FILE_CHUNK, null);
    return buf.subarray(0, bytesRead);
  };
  let ahead: Promise<Uint8Array> | undefined;
  try {
    for (let chunk = await next(); chunk.length > 0; ) {
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
