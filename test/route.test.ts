// Route-code rewriting: the CRC derived by combination equals a full
// recompute; a wrong CRC stays wrong; cores agree; mux/demux lose nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CORES, decodeWith, fixtureBytes, normalize, rng } from './helpers.js';
import { encode, decodeAll, Decoder, RoutePrefixer, Router, mux, demux, eventToJSON, type EventInit, type Core, type FillSource } from '../bindings/index.js';

const s = fc.string({ maxLength: 10 }).filter((x) => !x.includes('\0'));
const event: fc.Arbitrary<EventInit> = fc.record(
  {
    testId: s, status: fc.constantFrom('inprogress', 'success', 'fail', 'skip'), tags: fc.array(s, { maxLength: 3 }),
    runnable: fc.boolean(), mimeType: s, fileName: s, fileBytes: fc.uint8Array({ maxLength: 100 }), eof: fc.boolean(),
    routeCode: fc.oneof(s, fc.constant('0/1/2'), fc.constant('a/')),
  },
  { requiredKeys: [] },
);
const component = s.filter((x) => !x.includes('/'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function prefixed(core: Core, comp: string, bytes: Uint8Array, chunks?: number[]): Uint8Array {
  const rw = new RoutePrefixer(comp, { backend: core });
  if (!chunks) return Buffer.concat([rw.push(bytes), rw.end()]);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const n of chunks) {
    parts.push(rw.push(bytes.subarray(at, at + n)));
    at += n;
  }
  parts.push(rw.push(bytes.subarray(at)), rw.end());
  return Buffer.concat(parts);
}

function stripped(core: Core, bytes: Uint8Array) {
  const r = new Router({ backend: core });
  return [...r.push(bytes), ...r.end()];
}

describe.each(CORES)('rewriter (%s)', (_n, core) => {
  it('prefixing gives exactly the packet the encoder writes for the new route code', () => {
    fc.assert(
      fc.property(event, component, (e, comp) => {
        const out = prefixed(core, comp, encode(e));
        const route = e.routeCode === undefined ? comp : `${comp}/${e.routeCode}`;
        expect(hex(out)).toBe(hex(encode({ ...e, routeCode: route })));
      }),
      { numRuns: 400, seed: 3 },
    );
  });

  it('stripping gives exactly the packet the encoder writes without the first component', () => {
    fc.assert(
      fc.property(event, (e) => {
        const [piece] = stripped(core, encode(e));
        const r = e.routeCode;
        if (r === undefined) {
          expect(piece.route).toBeUndefined();
          expect(hex(piece.bytes)).toBe(hex(encode(e)));
          return;
        }
        const slash = r.indexOf('/');
        expect(piece.route).toBe(slash < 0 ? r : r.slice(0, slash));
        expect(hex(piece.bytes)).toBe(hex(encode({ ...e, routeCode: slash < 0 ? undefined : r.slice(slash + 1) })));
      }),
      { numRuns: 400, seed: 4 },
    );
  });

  it('a packet whose CRC was wrong is still wrong after rewriting, by a non-zero error', () => {
    fc.assert(
      fc.property(event, component, fc.nat(), fc.integer({ min: 1, max: 0xffffffff }), (e, comp, pick, flip) => {
        const good = encode(e);
        const bad = good.slice();
        // damage either the stored CRC or a payload byte the framing does not read
        const at = pick % 2 === 0 || !e.fileBytes?.length ? bad.length - 4 : bad.length - 4 - (e.routeCode !== undefined ? 1 + new TextEncoder().encode(e.routeCode).length : 0) - 1;
        new DataView(bad.buffer).setUint32(bad.length - 4, new DataView(bad.buffer).getUint32(bad.length - 4) ^ (at === bad.length - 4 ? flip : 0));
        if (at !== bad.length - 4) bad[at] ^= flip & 0xff || 1;
        const out = prefixed(core, comp, bad);
        const events = decodeAll(out);
        expect(events.some((x) => x.source === 'parser-error')).toBe(true);
        // and the new CRC differs from the correct one for the rewritten bytes
        const fixed = decodeAll(prefixed(core, comp, good));
        expect(fixed.map((x) => x.source)).toEqual(['packet']);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('chatter is wrapped in stdout packets carrying the component, never splitting a character', () => {
    const text = new TextEncoder().encode('naïve ünïcödé — 日本語 🎉 ó³\n'.repeat(50));
    const input = Buffer.concat([text, encode({ testId: 't', status: 'success' }), text]);
    const whole = decodeAll(prefixed(core, 'w', input));
    const bytewise = decodeAll(prefixed(core, 'w', input, Array(input.length).fill(1)));
    for (const events of [whole, bytewise]) {
      for (const e of events) {
        expect(e.routeCode?.split('/')[0]).toBe('w');
        if (e.fileName === 'stdout') expect(() => new TextDecoder('utf-8', { fatal: true }).decode(e.fileBytes)).not.toThrow();
      }
      const chatter = Buffer.concat(events.filter((e) => e.fileName === 'stdout').map((e) => e.fileBytes!));
      expect(chatter.equals(Buffer.concat([text, text]))).toBe(true);
    }
  });

  it('a maximum-size packet that cannot grow is passed on unchanged', () => {
    const big = encode({ fileName: '', fileBytes: new Uint8Array(4194289) });
    const out = prefixed(core, 'x', big);
    expect(Buffer.from(out).equals(Buffer.from(big))).toBe(true);
  });
});

/** Events of a stream, routes made relative to `comp`, chatter joined. */
function eventsUnder(bytes: Uint8Array, comp: string) {
  return normalize(
    decodeAll(bytes).filter((e) => e.source !== 'parser-error').map((e) => {
      const j = eventToJSON(e);
      expect(String(j.routeCode).split('/')[0]).toBe(comp);
      const rest = String(j.routeCode).slice(comp.length + 1);
      if (j.routeCode === comp) delete j.routeCode;
      else j.routeCode = rest;
      return j;
    }),
  );
}

describe('cores agree on rewriting random and real streams, whole and chunked', () => {
  const streams = ['sample-run-parallel', 'chatter', 'nested-routes', 'damaged-garbage', 'unicode'].map((n) => [n, fixtureBytes(n)] as const);
  it.each(streams)('%s', (_n, bytes) => {
    const [[, first]] = CORES;
    const want = prefixed(first, '9', bytes);
    const next = rng(11);
    for (const [, core] of CORES) {
      expect(hex(prefixed(core, '9', bytes))).toBe(hex(want));
      const chunks = Array.from({ length: 200 }, () => 1 + Math.floor(next() * 5000));
      expect(eventsUnder(prefixed(core, '9', bytes, chunks), '9')).toEqual(eventsUnder(want, '9'));
      const back = stripped(core, want);
      expect(back.every((p) => p.route === '9')).toBe(true);
    }
    // nothing lost: every packet of the input comes out, in order, under route 9
    const tests = (events: Record<string, unknown>[]) => events.filter((e) => e.fileName !== 'stdout').map((e) => JSON.stringify(e));
    expect(tests(eventsUnder(want, '9'))).toEqual(tests(normalize(decodeWith(first, bytes).filter((e) => e.source === 'packet'))));
  });
});

describe('recycling memory (what `subunit mux` does)', () => {
  // packets around BY_REF_MIN (bodies left in the window), larger than a chunk, tiny, and chatter
  const next = rng(5);
  const sizes = [10, 4095, 4096, 5000, 70_000, 300_000, 1 << 20];
  const bytes = Buffer.concat([
    ...Array.from({ length: 60 }, (_, i) => encode({
      testId: `t${i}`, fileName: 'log', routeCode: i % 3 ? '1' : undefined,
      fileBytes: new Uint8Array(sizes[Math.floor(next() * sizes.length)]).map((_, j) => j * 7 + i),
    })),
    new TextEncoder().encode('chatter ó\n'),
    encode({ testId: 'last', status: 'success' }),
  ]);
  it.each(CORES)('a caller that refills one buffer and is done with each push before the next gets the same bytes (%s)', (_n, core) => {
    const want = prefixed(core, '9', bytes);
    const rw = new RoutePrefixer('9', { backend: core, recycle: true });
    const buf = new Uint8Array(300_000);
    const out: Buffer[] = [];
    const take = (parts: Uint8Array[]) => parts.forEach((p) => out.push(Buffer.from(p))); // copied: done with them
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(bytes.length - at, 1 + Math.floor(next() * buf.length));
      buf.set(bytes.subarray(at, at + n));
      take(rw.pushParts(buf.subarray(0, n)));
      buf.fill(0xb3); // the caller reuses its memory
      at += n;
    }
    take(rw.endParts());
    expect(hex(Buffer.concat(out))).toBe(hex(want));
  });
});

describe('memory a worker\'s stream reuses (issue 17: `subunit mux --cmd` RSS)', () => {
  // 1 MiB attachments (each carried across 16 reads of 64 KiB) and chatter between them
  const attachments = Array.from({ length: 24 }, (_, i) => new Uint8Array((1 << 20) - i * 5000).fill(i + 1));
  const stream = Buffer.concat(attachments.flatMap((fileBytes, i) => [encode({ testId: `t${i}`, fileName: 'log', fileBytes }), new TextEncoder().encode(`chatter ${i} ó\n`.repeat(500))]));
  /** Memory first used in the second half of a run (none once the buffers have grown). */
  const fresh = (used: ArrayBufferLike[]) => {
    const early = new Set(used.slice(0, used.length >> 1));
    return new Set(used.slice(used.length >> 1).filter((b) => !early.has(b))).size;
  };
  /** `stream` as 64 KiB reads into one buffer the reader refills (a pipe's reads). */
  function* reads(): Generator<Uint8Array> {
    const buf = new Uint8Array(1 << 16);
    for (let at = 0; at < stream.length; at += buf.length) {
      const n = Math.min(buf.length, stream.length - at);
      buf.set(stream.subarray(at, at + n));
      yield buf.subarray(0, n);
      buf.fill(0xb3);
    }
  }

  it.each(CORES)('the decoder with recycle carries packets in memory it reuses, not fresh memory per packet (%s)', (_n, core) => {
    const decoder = new Decoder({ backend: core, recycle: true });
    const carriers: ArrayBufferLike[] = [];
    const files: string[] = [];
    for (const chunk of reads()) {
      for (const e of decoder.push(chunk)) {
        if (e.fileName !== 'log') continue;
        carriers.push(e.fileBytes!.buffer);
        files.push(hex(e.fileBytes!)); // looked at before the next push
      }
    }
    decoder.end();
    expect(files).toEqual(attachments.map(hex));
    expect(fresh(carriers)).toBe(0); // without recycle: a fresh buffer for most packets
    expect(new Set(carriers).size).toBeLessThanOrEqual(4);
  });

  it.each(CORES)('the rewriter\'s pieces, taken one at a time: the same bytes, in the core\'s output area and carried buffers it reuses (%s)', (_n, core) => {
    const rw = new RoutePrefixer('5', { backend: core, recycle: true });
    const out: Buffer[] = [];
    const memory: ArrayBufferLike[] = [];
    let reader: ArrayBufferLike | undefined;
    for (const chunk of reads()) {
      reader = chunk.buffer;
      for (const piece of rw.pieces(chunk)) {
        if (piece.buffer !== reader) memory.push(piece.buffer);
        out.push(Buffer.from(piece)); // done with it before asking for the next
      }
    }
    out.push(...rw.endParts().map((p) => Buffer.from(p)));
    expect(hex(Buffer.concat(out))).toBe(hex(prefixed(core, '5', stream, Array(Math.floor(stream.length / (1 << 16))).fill(1 << 16))));
    // the output area, and the carried packets' buffers (before: a copy of the area per call, a fresh buffer per carried packet)
    expect(fresh(memory)).toBe(0);
    expect(new Set(memory).size).toBeLessThanOrEqual(5);
  });
});

/** `bytes` as a FillSource whose reads stop short by `size()` (at least 1), like a pipe's. */
function fillFrom(bytes: Uint8Array, size: () => number): FillSource & { closed: boolean } {
  let at = 0;
  return {
    closed: false,
    fill(into) {
      const n = Math.min(into.length, bytes.length - at, size());
      into.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    },
    close() {
      this.closed = true;
    },
  };
}

describe('reading into the core\'s input area (what `subunit mux FILE` does)', () => {
  const next = rng(8);
  const sizes = [10, 4096, 70_000, 1 << 20, 4_000_000];
  const packets = Array.from({ length: 24 }, (_, i) => encode({
    testId: `t${i}`, fileName: 'log', routeCode: i % 3 ? '1' : undefined,
    fileBytes: new Uint8Array(sizes[Math.floor(next() * sizes.length)]).map((_, j) => j * 7 + i),
  }));
  // damaged candidates that each claim the largest length, a truncated packet, chatter
  const claim = encode({ testId: 'x', fileName: 'f', fileBytes: new Uint8Array(4_100_000) }).subarray(0, 6);
  const hostile = Buffer.concat(Array.from({ length: 6 }, (_, i) => Buffer.concat([claim, new Uint8Array(300_000 + i).fill(0x61)])));
  const streams: [string, Uint8Array][] = [
    ['large and small packets, chatter', Buffer.concat([...packets, new TextEncoder().encode('chatter ó\n'), encode({ testId: 'last', status: 'success' })])],
    ['damaged 4 MB claims and a truncated packet', Buffer.concat([encode({ testId: 'a', status: 'success' }), hostile, packets[3].subarray(0, 5000)])],
  ];
  describe.each(CORES)('%s', (_n, core) => {
    it.each(streams)('gives the bytes push gives, read in any sizes: %s', (_s, bytes) => {
      const want = prefixed(core, '9', bytes);
      for (const max of [1 << 30, 1_500_000, 100_000]) {
        const rw = new RoutePrefixer('9', { backend: core });
        const src = fillFrom(bytes, () => 1 + Math.floor(next() * max));
        const out: Buffer[] = [];
        for (;;) {
          const area = rw.fillArea();
          const n = src.fill(area) as number;
          rw.filledParts(n).forEach((p) => out.push(Buffer.from(p))); // copied: done with them before the next read
          if (n === 0) break;
        }
        expect(hex(Buffer.concat(out))).toBe(hex(want));
      }
    });
  });

  it.each(['wasm', 'js'] as const)('mux reads several files into areas of their own, beside streams (%s)', async (backend) => {
    const inputs = [Buffer.concat(packets.filter((p) => p.length < 2_000_000).slice(0, 8)), fixtureBytes('sample-run'), fixtureBytes('chatter')];
    const files = [fillFrom(inputs[0], () => 300_000), fillFrom(inputs[1], () => 50_000)];
    const parts: Uint8Array[] = [];
    for await (const b of mux([files[0], { source: files[1], route: 'f' }, [inputs[2]]], { backend, recycle: true })) parts.push(b.slice());
    expect(files.map((f) => f.closed)).toEqual([true, true]);
    // without recycle the pieces are the caller's to keep
    const kept: Uint8Array[] = [];
    for await (const b of mux([fillFrom(inputs[0], () => 300_000), { source: fillFrom(inputs[1], () => 50_000), route: 'f' }, [inputs[2]]], { backend })) kept.push(b);
    expect(hex(Buffer.concat(kept))).toBe(hex(Buffer.concat(parts)));
    const per = new Map<string | undefined, Uint8Array[]>();
    await demux([Buffer.concat(parts)], (route, bytes) => void (per.get(route) ?? per.set(route, []).get(route)!).push(bytes.slice()), { backend });
    ['0', 'f', '2'].forEach((route, i) => {
      expect(normalize(decodeAll(Buffer.concat(per.get(route)!)))).toEqual(normalize(decodeAll(inputs[i])));
    });
  });
});

describe('mux and demux', () => {
  async function* trickle(bytes: Uint8Array, size: number, delayMs: number) {
    for (let i = 0; i < bytes.length; i += size) {
      await new Promise((r) => setTimeout(r, delayMs));
      yield bytes.subarray(i, i + size);
    }
  }

  it.each(['wasm', 'js'] as const)('interleaves sources at packet boundaries and demux gives each one back (%s)', async (backend) => {
    // whole packets only: the mux turns a packet truncated by the end of its input into stdout bytes
    const head = fixtureBytes('sample-run');
    const cut = decodeAll(head).find((e) => e.offset > 60_000)!.offset;
    const inputs = [head.subarray(0, cut), fixtureBytes('chatter'), fixtureBytes('unicode')];
    const parts: Uint8Array[] = [];
    for await (const b of mux(
      [{ source: trickle(inputs[0], 7000, 1), route: 'a' }, trickle(inputs[1], 100, 2), new ReadableStream({ start(c) { c.enqueue(inputs[2]); c.close(); } })],
      { backend },
    )) parts.push(b);
    const out = Buffer.concat(parts);
    // interleaved: the second source's events are not all after the first's
    const routes = decodeAll(out).map((e) => e.routeCode!.split('/')[0]);
    expect(new Set(routes)).toEqual(new Set(['a', '1', '2']));
    expect(routes.lastIndexOf('a')).toBeGreaterThan(routes.indexOf('1'));
    const per = new Map<string | undefined, Uint8Array[]>();
    await demux([out], (route, bytes) => void (per.get(route) ?? per.set(route, []).get(route)!).push(bytes.slice()), { backend });
    ['a', '1', '2'].forEach((route, i) => {
      expect(normalize(decodeAll(Buffer.concat(per.get(route)!)))).toEqual(normalize(decodeAll(inputs[i])));
    });
  });
});

describe('FillSource lanes with a caller-given core (issue 22)', () => {
  // two files read into memory of their own: with one shared input area, one lane's read overwrote the other's unresolved bytes
  const stream = (lane: number) => Buffer.concat(Array.from({ length: 2000 }, (_, i) => encode({
    testId: `lane${lane}.t${i}`, status: 'success', fileName: 'log', fileBytes: new Uint8Array(1 + ((i * 37) % 3000)).fill(lane + i),
  })));
  it.each(CORES)('every packet of every lane arrives, none damaged (%s)', async (_n, core) => {
    const inputs = [stream(0), stream(1)];
    const parts: Uint8Array[] = [];
    const sources = inputs.map((bytes, i) => fillFrom(bytes, () => 40_000 + i * 7_000));
    for await (const b of mux(sources, { backend: core, recycle: true })) parts.push(b.slice());
    const events = decodeAll(Buffer.concat(parts));
    expect(events.filter((e) => e.source !== 'packet').map((e) => `${e.source} at ${e.offset}`)).toEqual([]);
    expect(events.length).toBe(4000);
    const per = new Map<string | undefined, Uint8Array[]>();
    await demux([Buffer.concat(parts)], (route, bytes) => void (per.get(route) ?? per.set(route, []).get(route)!).push(bytes.slice()));
    inputs.forEach((bytes, i) => expect(hex(Buffer.concat(per.get(String(i))!))).toBe(hex(bytes)));
  });
});

describe('mux: onEnd', () => {
  it.each(['wasm', 'js'] as const)('is called once an input has gone out whole: bytes added for its route after it cannot join a packet it cut short (%s)', async (backend) => {
    const cut = encode({ testId: 'a', fileName: 'log', fileBytes: new Uint8Array(3000).fill(0x61) }).subarray(0, 1000);
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const calls: string[] = [];
    async function* after() {
      await done;
      calls.push('after');
      yield encode({ testId: 'a', status: 'fail' });
    }
    const parts: Uint8Array[] = [];
    for await (const b of mux([{ source: [cut], route: 'w', onEnd: () => (calls.push('onEnd'), ended()) }, { source: after(), route: 'w' }], { backend })) parts.push(b);
    expect(calls).toEqual(['onEnd', 'after']);
    const events = decodeAll(Buffer.concat(parts));
    expect(events.map((e) => [e.source, e.fileName ?? e.status, e.routeCode])).toEqual([['packet', 'stdout', 'w'], ['packet', 'fail', 'w']]);
    expect(hex(events[0].fileBytes!)).toBe(hex(cut));
  });
});
