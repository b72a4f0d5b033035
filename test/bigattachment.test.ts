// Attachments over one packet (4194303 bytes): the encoder splits them over
// the fewest packets, every core decodes the pieces, the results layer joins
// them, python-subunit reads them, and a stream of them stays in bounded
// memory (the 100 MiB run with RSS is bench/bigattachment.mjs).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORES, PYTHON, decodeWith, hasReference, normalize } from './helpers.js';
import {
  Decoder, Encoder, TestResults, Timestamp, decodeAll, encode, eventToJsonLine, type EventInit, type SubunitEvent,
} from '../bindings/index.js';
import { streamAttachment, MAX_PACKET } from '../bench/bigattachment.mjs';

const MiB = 1 << 20;
const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const SCRIPT = new URL('../scripts/ref_events.py', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-big-'));

const content = (size: number, seed = 1) => {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 2654435761 + seed * 97 + (i >>> 11)) & 0xff;
  return b;
};

const big = content(10 * MiB);
const event: EventInit = {
  testId: 'pkg.tést_big', status: 'fail', tags: ['worker-1', 'slow'], runnable: false, mimeType: 'application/octet-stream',
  fileName: 'core.dump', fileBytes: big, eof: true, routeCode: '1/0', timestamp: new Timestamp(1700000000, 123456789),
};

function join_(events: SubunitEvent[]): Uint8Array {
  const out = new Uint8Array(events.reduce((n, e) => n + (e.fileBytes?.length ?? 0), 0));
  let at = 0;
  for (const e of events) {
    out.set(e.fileBytes!, at);
    at += e.fileBytes!.length;
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

describe.each(CORES)('a 10 MiB attachment (%s)', (_name, core) => {
  const encoder = new Encoder({ backend: core });
  const bytes = encoder.encode(event);

  it('is split over the fewest packets, every field on each, eof and status on the last only', () => {
    const piece = encoder.maxFileBytes(event);
    const events = decodeWith(core, bytes);
    expect(events.length).toBe(Math.ceil(big.length / piece));
    expect(events.length).toBe(3);
    events.forEach((e, i) => {
      const last = i === events.length - 1;
      expect(e.source).toBe('packet');
      expect([e.testId, e.routeCode, e.fileName, e.mimeType, e.tags, e.runnable, String(e.timestamp)]).toEqual([
        event.testId, event.routeCode, event.fileName, event.mimeType, event.tags, event.runnable, String(event.timestamp),
      ]);
      expect(e.eof).toBe(last);
      expect(e.status).toBe(last ? 'fail' : undefined);
      if (!last) {
        expect(e.length).toBe(MAX_PACKET); // as large as fits
        expect(e.fileBytes!.length).toBe(piece);
      }
    });
    expect(same(join_(events), big)).toBe(true);
  });

  it('decodes the same pushed in 64 KiB chunks, holding at most one packet', () => {
    const d = new Decoder({ backend: core });
    const events: SubunitEvent[] = [];
    for (let at = 0; at < bytes.length; at += 65536) {
      events.push(...d.push(bytes.subarray(at, at + 65536)));
      expect(d.buffered).toBeLessThanOrEqual(MAX_PACKET);
    }
    events.push(...d.end());
    expect(events.length).toBe(3);
    expect(same(join_(events), big)).toBe(true);
  });

  it('TestResults yields one result with one attachment holding exactly the bytes', () => {
    const results = new TestResults();
    const done = decodeWith(core, bytes).map((e) => results.add(e)).filter((r) => r !== undefined);
    expect(results.end()).toEqual([]);
    expect(done.length).toBe(1);
    const [r] = done;
    expect([r!.id, r!.status, r!.routeCode]).toEqual(['pkg.tést_big', 'fail', '1/0']);
    expect(r!.attachments.map((a) => [a.name, a.mimeType, a.bytes.length])).toEqual([['core.dump', 'application/octet-stream', big.length]]);
    expect(same(r!.attachments[0].bytes, big)).toBe(true);
  });

  it('encode, encodeAll and encode() write the same bytes on every backend', () => {
    const all = encoder.encodeAll([{ testId: 'a', status: 'inprogress' }, event, { testId: 'b', status: 'success' }]);
    const small = (e: EventInit) => encoder.encode(e).length;
    expect(all.length).toBe(small({ testId: 'a', status: 'inprogress' }) + bytes.length + small({ testId: 'b', status: 'success' }));
    expect(same(all.subarray(small({ testId: 'a', status: 'inprogress' }), all.length - small({ testId: 'b', status: 'success' })), bytes)).toBe(true);
    expect(same(encode(event), bytes)).toBe(true);
    expect(same(new Encoder({ backend: 'js' }).encode(event), bytes)).toBe(true);
  });
});

describe('splitting at the edges', () => {
  const encoder = new Encoder();
  it.each([0, 1, 2, 3])('maxFileBytes + %i bytes', (extra) => {
    const e: EventInit = { testId: 't', fileName: 'f', fileBytes: content(0), status: 'success', eof: true };
    const piece = encoder.maxFileBytes(e);
    const bytes = content(piece + extra, extra);
    const events = decodeAll(encoder.encode({ ...e, fileBytes: bytes }));
    expect(events.map((x) => [x.fileBytes!.length, x.status, x.eof])).toEqual(
      extra === 0 ? [[piece, 'success', true]] : [[piece, undefined, false], [extra, 'success', true]],
    );
    expect(events[0].length).toBe(MAX_PACKET);
  });

  it('an event without eof or status keeps them off every piece; a run-level file splits too', () => {
    const events = decodeAll(encoder.encode({ fileName: 'log', fileBytes: content(5 * MiB) }));
    expect(events.map((x) => [x.testId, x.status, x.eof, x.fileName])).toEqual([[undefined, undefined, false, 'log'], [undefined, undefined, false, 'log']]);
  });

  it('maxFileBytes shrinks with the other fields', () => {
    expect(encoder.maxFileBytes({})).toBe(MAX_PACKET - 1 - 2 - 3 - 1 - 3 - 4); // header, flags, length, empty name, content length, CRC
    expect(encoder.maxFileBytes({ testId: 'x'.repeat(1000) })).toBe(encoder.maxFileBytes({}) - 1002);
  });
});

describe('the CLI writes split packets', () => {
  const run = (args: string[], input?: Uint8Array | string) => spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  const joined = (out: Uint8Array) => {
    const results = new TestResults();
    const done = decodeAll(out).map((e) => results.add(e)).filter((r) => r !== undefined);
    return done.flatMap((r) => r!.attachments);
  };

  it('subunit encode: a JSON line with a 6 MiB file → the encoder\'s packets', () => {
    const e = { ...event, fileBytes: big.subarray(0, 6 * MiB) };
    const r = run(['encode'], eventToJsonLine(e as unknown as SubunitEvent) + '\n');
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(decodeAll(r.stdout).length).toBe(2);
    expect(same(r.stdout, new Encoder().encode(e))).toBe(true);
  });

  it('subunit emit --attach-file: a 10 MiB file arrives whole', () => {
    const f = join(tmp, 'big.bin');
    writeFileSync(f, big);
    const r = run(['emit', '--fail', 'pkg.t', '--attach-file', f, '--file-name', 'dump']);
    expect(r.status).toBe(0);
    const [a] = joined(r.stdout);
    expect(a.name).toBe('dump');
    expect(same(a.bytes, big)).toBe(true);
  });
});

describe.runIf(hasReference)('python-subunit reads the split packets', () => {
  it('as the same events we decode', () => {
    const e: EventInit = { ...event, fileBytes: content(6 * MiB, 5), timestamp: new Timestamp(1700000000, 123456000) };
    const bytes = new Encoder().encode(e);
    const f = join(tmp, 'split.subunit');
    writeFileSync(f, bytes);
    const ref = execFileSync(PYTHON, [SCRIPT, f], { maxBuffer: 1 << 28 }).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(ref.length).toBe(2);
    expect(normalize(ref, { sortTags: true })).toEqual(normalize(decodeAll(bytes), { sortTags: true }));
  });
});

describe('streaming a large attachment through the push decoder', () => {
  // 12 MiB here; bench/bigattachment.mjs runs 100 MiB and checks RSS
  it.each(['wasm', 'js'])('12 MiB in 64 KiB chunks (%s): every byte, the fewest packets, buffered ≤ one packet', async (backend) => {
    const r = streamAttachment({ Encoder, Decoder }, { size: 12 * MiB, backend });
    expect(r).toMatchObject({ gotBytes: 12 * MiB, checksumOk: true, packets: 4, expectedPackets: 4, eofs: 1, statuses: 1, others: 0 });
    expect(r.maxBuffered).toBeLessThanOrEqual(MAX_PACKET);
    expect(r.maxBuffered).toBeGreaterThan(MAX_PACKET - 65536); // it did carry a whole packet
  });
});
