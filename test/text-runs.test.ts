// Text runs longer than the wasm core's input area (5 MiB): only the caller's
// chunks cut text, never the area, so both backends give the same events
// (Decoder, decode) and the same wrapped bytes (RoutePrefixer).
import { describe, expect, it } from 'vitest';
import { encode, decodeAll, Decoder, RoutePrefixer, type SubunitEvent } from '../bindings/index.js';
import { WRAP_PIECE } from '../assembly/layout.js';

const MiB = 1 << 20;
const BACKENDS = ['js', 'wasm'] as const;

/**
 * `size` bytes of text: ASCII with multi-byte characters, and every 60 KiB a
 * "³ ab", whose B3 20 61 62 is a plausible header claiming 8.7 KiB (its CRC
 * fails and the C2 before it makes it text): near the area's end such a
 * candidate waits for bytes the window has.
 */
function text(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const t = new Uint8Array(size);
  const unit = new TextEncoder().encode('chatter é€😀 line\n');
  for (let i = 0; i < size; i += unit.length) t.set(unit.subarray(0, Math.min(unit.length, size - i)), i);
  const candidate = [0xc2, 0xb3, 0x20, 0x61, 0x62];
  for (let at = 1000 + seed * 77; at + candidate.length < size; at += 60 * 1024 + seed) t.set(candidate, at);
  return t;
}

const packet = (id: string) => encode({ testId: id, status: 'success' });

// packets before, after and between runs of 12 MiB, 6 MiB and 5 MiB + 3
const parts: Uint8Array[] = [packet('first'), text(12 * MiB, 1), packet('a'), text(6 * MiB, 2), packet('b'), packet('c'), text(5 * MiB + 3, 3), packet('last')];
const input = Buffer.concat(parts);
const runs: { at: number; bytes: Uint8Array }[] = [];
{
  let at = 0;
  for (const p of parts) {
    if (p.length > 1000) runs.push({ at, bytes: p });
    at += p.length;
  }
}

/** Chunk sizes: the whole input, 1 MiB, and odd sizes (one under and one over the area). */
const CHUNKINGS: [string, number][] = [
  ['whole', input.length],
  ['1 MiB', MiB],
  ['777,777', 777_777],
  ['5,555,557', 5_555_557],
];

function decodeIn(backend: 'js' | 'wasm', size: number): SubunitEvent[] {
  if (size >= input.length) return decodeAll(input, { backend });
  const d = new Decoder({ backend });
  const out: SubunitEvent[] = [];
  for (let at = 0; at < input.length; at += size) for (const e of d.push(input.subarray(at, at + size))) out.push(e);
  for (const e of d.end()) out.push(e);
  return out;
}

const brief = (events: SubunitEvent[]) => events.map((e) => [e.source, e.testId, e.offset, e.length]);
const boundariesIn = (from: number, to: number, size: number) => Math.ceil(to / size) - 1 - Math.floor(from / size);

describe('text runs over the wasm input area', () => {
  for (const [name, size] of CHUNKINGS) {
    it(`Decoder, ${name}: both backends equal, each run's text whole, cut only at chunk boundaries`, () => {
      const [js, wasm] = BACKENDS.map((b) => decodeIn(b, size));
      expect(brief(wasm)).toEqual(brief(js));
      expect(js.filter((e) => e.source === 'packet').map((e) => e.testId)).toEqual(['first', 'a', 'b', 'c', 'last']);
      for (const run of runs) {
        const end = run.at + run.bytes.length;
        const chatter = js.filter((e) => e.source === 'chatter' && e.offset >= run.at && e.offset < end);
        expect(chatter[0].offset).toBe(run.at);
        expect(Buffer.concat(chatter.map((e) => e.fileBytes!)).equals(run.bytes)).toBe(true);
        // a chunk boundary adds at most one cut; none without one
        expect(chatter.length).toBeLessThanOrEqual(1 + boundariesIn(run.at, end, size));
      }
      expect(js.every((e) => e.source !== 'parser-error')).toBe(true);
    });
  }

  it('decode of the whole input: one event per run', () => {
    for (const backend of BACKENDS) {
      const chatter = decodeAll(input, { backend }).filter((e) => e.source === 'chatter');
      expect(chatter.map((e) => [e.offset, e.length])).toEqual(runs.map((r) => [r.at, r.bytes.length]));
    }
  });

  it('Decoder.pushBatches of the whole input: one event per run', () => {
    for (const backend of BACKENDS) {
      const d = new Decoder({ backend });
      const chatter = [...d.pushBatches(input), d.end()].flat().filter((e) => e.source === 'chatter');
      expect(chatter.map((e) => [e.offset, e.length])).toEqual(runs.map((r) => [r.at, r.bytes.length]));
    }
  });
});

function prefixIn(backend: 'js' | 'wasm', size: number, recycle = false): Buffer {
  const rw = new RoutePrefixer('x', { backend, recycle });
  const out: Uint8Array[] = [];
  for (let at = 0; at < input.length; at += size) {
    // with recycle a piece is valid until the next is asked for
    for (const piece of rw.pieces(input.subarray(at, at + size))) out.push(recycle ? piece.slice() : piece);
  }
  out.push(rw.end());
  return Buffer.concat(out);
}

describe('RoutePrefixer on text runs over the wasm input area', () => {
  const cases: [string, number, boolean][] = [['whole', input.length, false], ['1 MiB, recycled', MiB, true], ['5,555,557', 5_555_557, false]];
  for (const [name, size, recycle] of cases) {
    it(`${name}: both backends write the same bytes, the text wrapped whole`, () => {
      const [js, wasm] = BACKENDS.map((b) => prefixIn(b, size, recycle));
      expect(wasm.equals(js)).toBe(true);
      const events = decodeAll(js, { backend: 'js' });
      expect(events.filter((e) => e.fileName !== 'stdout').map((e) => e.testId)).toEqual(['first', 'a', 'b', 'c', 'last']);
      // the stdout packets between two packets hold one run
      const texts: Uint8Array[][] = [];
      let open = false;
      for (const e of events) {
        if (e.fileName !== 'stdout') open = false;
        else {
          if (!open) texts.push([]);
          open = true;
          texts[texts.length - 1].push(e.fileBytes!);
        }
      }
      expect(texts.map((t) => Buffer.concat(t).equals(runs[texts.indexOf(t)].bytes))).toEqual(runs.map(() => true));
      if (size === input.length) {
        // uncut, every piece but a run's last is whole (WRAP_PIECE less at most a split character)
        for (const t of texts) for (const piece of t.slice(0, -1)) expect(piece.length).toBeGreaterThan(WRAP_PIECE - 4);
      }
    });
  }
});
