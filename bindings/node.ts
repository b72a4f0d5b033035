// subunit-wasm/node: Node-only helpers (Node streams, files). The universal
// entry stays free of Node built-ins.
import { Transform, type TransformCallback } from 'node:stream';
import { open } from 'node:fs/promises';
import { Decoder, type DecodeOptions } from './codec/decoder.js';
import { init } from './codec/backend.js';
import { Encoder, type EncodeOptions } from './codec/encoder.js';
import { decodeStream } from './adapters/streams.js';
import { fileChunks } from './adapters/files.js';
import type { EventInit, SubunitEvent } from './codec/events.js';

export * from './index.js';
export { crcThreadCore } from './wasm/helper.js';

/** Node Transform: bytes in, arrays of events out (object mode), one array per chunk. */
export class DecoderTransform extends Transform {
  private readonly decoder: Decoder;
  constructor(options: DecodeOptions = {}) {
    super({ readableObjectMode: true });
    this.decoder = new Decoder(options);
  }
  override _transform(chunk: Uint8Array, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const events = this.decoder.push(chunk);
      done(null, events.length ? events : undefined);
    } catch (e) {
      done(e as Error);
    }
  }
  override _flush(done: TransformCallback): void {
    const events = this.decoder.end();
    done(null, events.length ? events : undefined);
  }
}

/** Node Transform: events (or arrays of events) in, packets out. */
export class EncoderTransform extends Transform {
  private readonly encoder: Encoder;
  constructor(options: EncodeOptions = {}) {
    super({ writableObjectMode: true });
    this.encoder = new Encoder(options);
  }
  override _transform(events: EventInit | EventInit[], _enc: BufferEncoding, done: TransformCallback): void {
    try {
      done(null, Array.isArray(events) ? this.encoder.encodeAll(events) : this.encoder.encode(events));
    } catch (e) {
      done(e as Error);
    }
  }
}

/** Decode a file in 4 MiB reads (the next one under way while a chunk is decoded); yields batches of events. */
export async function* decodeFile(path: string, options: DecodeOptions = {}): AsyncGenerator<SubunitEvent[]> {
  await init(options.backend);
  const fh = await open(path, 'r');
  try {
    yield* decodeStream(fileChunks(fh), options);
  } finally {
    await fh.close();
  }
}
