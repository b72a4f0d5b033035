// Stream adapters: WHATWG (fetch bodies, TransformStream), async iterators,
// Node Transforms and files — all in batches (per chunk, or per core call for
// large chunks) and agree with decode().
import { describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FIXTURES, fixtureBytes, normalize } from './helpers.js';
import { Decoder, DecoderStream, EncoderStream, decodeStream, encodeStream, decodeAll, concat, type SubunitEvent } from '../bindings/index.js';
import { DecoderTransform, EncoderTransform, decodeFile } from '../bindings/node.js';

const bytes = fixtureBytes('sample-run');
const want = normalize(decodeAll(bytes));

/** A ReadableStream of the bytes in chunks of `size`. */
const streamOf = (b: Uint8Array, size: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < b.length; i += size) c.enqueue(b.slice(i, i + size));
      c.close();
    },
  });

async function collect<T>(it: AsyncIterable<T[]>): Promise<{ items: T[]; batches: number }> {
  const items: T[] = [];
  let batches = 0;
  for await (const b of it) {
    batches++;
    items.push(...b);
  }
  return { items, batches };
}

describe.each(['wasm', 'js'] as const)('streams (%s)', (backend) => {
  it('a fetch body through DecoderStream: one batch per chunk', async () => {
    const body = new Response(streamOf(bytes, 65536)).body!;
    const { items, batches } = await collect<SubunitEvent>(body.pipeThrough(new DecoderStream({ backend })) as unknown as AsyncIterable<SubunitEvent[]>);
    expect(normalize(items)).toEqual(want);
    expect(batches).toBe(Math.ceil(bytes.length / 65536));
  });

  it('gzip through DecompressionStream', async () => {
    const gz = streamOf(bytes, 100_000).pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
    const { items } = await collect<SubunitEvent>(decodeStream(gz, { backend }));
    expect(normalize(items)).toEqual(want);
  });

  it('decodeStream over a Node Readable, and decodeFile', async () => {
    expect(normalize((await collect<SubunitEvent>(decodeStream(createReadStream(FIXTURES + 'sample-run.subunit'), { backend }))).items)).toEqual(want);
    expect(normalize((await collect<SubunitEvent>(decodeFile(FIXTURES + 'sample-run.subunit', { backend }))).items)).toEqual(want);
  });

  it('decodeStream gives a large chunk in batches of one core call each (at most 4,096 records), the same events as push', async () => {
    const big = concat(Array.from({ length: 4 }, () => bytes)); // 4 × 9,623 packets in one chunk
    const { items, batches } = await collect(decodeStream([big.subarray(0, 100), big.subarray(100)], { backend }));
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(items.length / 4096));
    expect(normalize(items)).toEqual(normalize(decodeAll(big)));
    const d = new Decoder({ backend });
    const pushed = [...d.push(big.subarray(0, 100)), ...d.push(big.subarray(100)), ...d.end()];
    expect(normalize(pushed)).toEqual(normalize(items));
  });

  it('Node DecoderTransform → EncoderTransform gives back the bytes', async () => {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
      new DecoderTransform({ backend }),
      new EncoderTransform({ backend }),
      async function* (src) {
        for await (const b of src) out.push(b);
      },
    );
    expect(Buffer.concat(out).equals(Buffer.from(bytes))).toBe(true);
  });

  it('EncoderStream and encodeStream write what decode read', async () => {
    const events = decodeAll(bytes, { backend });
    const batches = [events.slice(0, 5000), events.slice(5000)];
    const viaStream: Uint8Array[] = [];
    const rs = new ReadableStream({ start(c) { batches.forEach((b) => c.enqueue(b)); c.close(); } });
    for await (const b of rs.pipeThrough(new EncoderStream({ backend })) as unknown as AsyncIterable<Uint8Array>) viaStream.push(b);
    expect(Buffer.from(concat(viaStream)).equals(Buffer.from(bytes))).toBe(true);
    const viaGen: Uint8Array[] = [];
    for await (const b of encodeStream(batches, { backend })) viaGen.push(b);
    expect(viaGen.length).toBe(2);
    expect(Buffer.from(concat(viaGen)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('push decoder memory', () => {
  it('holds at most one unresolved packet, however the bytes arrive', async () => {
    const { Decoder, Encoder } = await import('../bindings/index.js');
    const big = new Encoder().encode({ fileName: 'x', fileBytes: new Uint8Array(4_000_000) });
    const d = new Decoder();
    let max = 0;
    for (let i = 0; i < big.length; i += 4096) {
      d.push(big.subarray(i, i + 4096));
      max = Math.max(max, d.buffered);
    }
    expect(max).toBeLessThan(big.length);
    expect(d.buffered).toBe(0);
  });
});
