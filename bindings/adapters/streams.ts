// Streaming adapters over the push decoder and the encoder. Everything moves
// in batches (one per input chunk), never one stream enqueue per packet.
import { Decoder, type DecodeOptions } from '../codec/decoder.js';
import { init } from '../codec/backend.js';
import { Encoder, type EncodeOptions } from '../codec/encoder.js';
import { concat } from '../codec/bytes.js';
import type { EventInit, SubunitEvent } from '../codec/events.js';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Iterate any byte source: async/sync iterables, WHATWG streams (even where they are not async-iterable). */
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/** Decode a byte source; yields batches of events (one per core call: a large chunk gives several). */
export async function* decodeStream(source: ByteSource, options: DecodeOptions = {}): AsyncGenerator<SubunitEvent[]> {
  await init(options.backend);
  const decoder = new Decoder(options);
  for await (const chunk of chunksOf(source)) yield* decoder.pushBatches(chunk);
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** WHATWG TransformStream: bytes in, arrays of events out. */
export class DecoderStream extends TransformStream<Uint8Array, SubunitEvent[]> {
  constructor(options: DecodeOptions = {}) {
    let decoder: Decoder;
    super({
      async start() {
        await init(options.backend);
        decoder = new Decoder(options);
      },
      transform(chunk, controller) {
        const events = decoder.push(chunk);
        if (events.length > 0) controller.enqueue(events);
      },
      flush(controller) {
        const events = decoder.end();
        if (events.length > 0) controller.enqueue(events);
      },
    });
  }
}

/** WHATWG TransformStream: events (single or arrays) in, one buffer of packets per input chunk out. */
export class EncoderStream extends TransformStream<EventInit | EventInit[], Uint8Array> {
  constructor(options: EncodeOptions = {}) {
    let encoder: Encoder;
    super({
      async start() {
        await init(options.backend);
        encoder = new Encoder(options);
      },
      transform(events, controller) {
        controller.enqueue(Array.isArray(events) ? encoder.encodeAll(events) : encoder.encode(events));
      },
    });
  }
}

/** Encode an (async) iterable of events or event batches; yields one buffer per input item. */
export async function* encodeStream(
  events: AsyncIterable<EventInit | EventInit[]> | Iterable<EventInit | EventInit[]>,
  options: EncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  await init(options.backend);
  const encoder = new Encoder(options);
  for await (const e of events) yield Array.isArray(e) ? encoder.encodeAll(e) : encoder.encode(e);
}

export { concat };
