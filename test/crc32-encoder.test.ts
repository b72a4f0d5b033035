import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CORES, rng } from './helpers.js';
import { stage, type StagedPacket } from '../bindings/codec/stage.js';
import type { Core } from '../bindings/codec/core.js';
import { Timestamp, decodeAll, EncodeError, Encoder, type EventInit } from '../bindings/index.js';
import { concat } from '../bindings/codec/bytes.js';
import { ENC_NO_ROOM, MAX_PACKET } from '../assembly/layout.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** The core's packet for a staged event (a copy), or null when it does not fit in one. */
const packet = (core: Core, p: StagedPacket) => {
  const n = core.encode(p);
  return n < 0 ? null : core.encoded.slice(0, n);
};
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe.each(CORES)('CRC32 (%s)', (_name, core) => {
  it('has the catalogue check value', () => {
    expect(core.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('matches zlib on every length 0..300 and random large buffers, and continues', () => {
    const r = rng(1);
    for (const len of [...Array(301).keys(), 4096, 65537, 1 << 20]) {
      const b = new Uint8Array(len).map(() => (r() * 256) | 0);
      expect(core.crc32(b)).toBe(zlibCrc32(b));
      const cut = len >> 1;
      expect(core.crc32(b.subarray(cut), core.crc32(b.subarray(0, cut)))).toBe(zlibCrc32(b));
    }
  });
});

// SUBUNIT-V2.md §9: packets written by python-subunit
const UTC = (y: number, mo: number, d: number, h: number, mi: number, s: number, us: number) =>
  new Timestamp(Date.UTC(y, mo - 1, d, h, mi, s) / 1000, us * 1000);
const WORKED: [string, Parameters<typeof stage>[0], string][] = [
  ['A enumeration', { testId: 'foo', status: 'exists' }, 'B3 2901 0C 03666F6F 08555F1B'],
  ['B non-runnable success', { testId: 'foo', status: 'success', runnable: false }, 'B3 2803 0C 03666F6F E3EAF5A4'],
  ['C bare EOF', { eof: true }, 'B3 2110 08 531588DC'],
  ['D timestamp', { testId: 'bar', status: 'success', timestamp: UTC(2001, 12, 12, 12, 59, 59, 45) }, 'B3 2B03 13 3C1754CF 80AFC8 03626172 49963E2D'],
  ['E tags', { testId: 'bar', tags: ['foo'] }, 'B3 2980 11 03626172 01 03666F6F B33796A1'],
  [
    'F every field',
    {
      testId: 't', status: 'fail', tags: ['slow'], fileName: 'traceback', fileBytes: new TextEncoder().encode('boom\n'),
      mimeType: 'text/plain; charset=utf8', eof: true, routeCode: '0/1', timestamp: UTC(2024, 1, 2, 3, 4, 5, 678901),
    },
    'B3 2FF6 4046 65937D25 E8773508 0174 01 04736C6F77 18746578742F706C61696E3B20636861727365743D75746638 ' +
      '0974726163656261636B 05626F6F6D0A 03302F31 53844783',
  ],
];

describe.each(CORES)('encoder (%s)', (_name, core) => {
  it.each(WORKED)('writes worked example %s byte for byte', (_t, event, expected) => {
    expect(hex(packet(core, stage(event))!)).toBe(hex(bytes(expected)));
  });

  it('G: 16372 bytes of stdout take the 3-byte length form', () => {
    const p = packet(core, stage({ fileName: 'stdout', fileBytes: new Uint8Array(16372).fill(0x78) }))!;
    expect(p.length).toBe(16391);
    expect(hex(p.subarray(0, 15))).toBe('b3214080400706737464' + '6f75747ff4');
    expect(hex(p.subarray(-4))).toBe('6811add7');
  });

  // §5: the shortest length form, at every width boundary, and the refusal past 4194303
  it.each([
    [53, 63, '3f'],
    [54, 65, '4041'],
    [16371, 16383, '7fff'],
    [16372, 16385, '804001'],
    [4194289, 4194303, 'bfffff'],
  ])('file of %i bytes → packet of %i bytes, length %s', (size, total, lengthHex) => {
    const p = packet(core, stage({ fileName: '', fileBytes: new Uint8Array(size) }))!;
    expect(p.length).toBe(total);
    expect(hex(p.subarray(3, 3 + lengthHex.length / 2))).toBe(lengthHex);
  });

  it('refuses a packet over 4194303 bytes', () => {
    expect(packet(core, stage({ fileName: '', fileBytes: new Uint8Array(4194290) }))).toBeNull();
  });

  // §4: varint vectors, through the nanoseconds field of a timestamp
  it.each([
    [0, '00'], [63, '3f'], [64, '4040'], [16383, '7fff'], [16384, '804000'], [4194303, 'bfffff'], [4194304, 'c0400000'],
    [999999999, 'fb9ac9ff'],
  ])('varint %i → %s', (value, expected) => {
    const p = packet(core, stage({ timestamp: new Timestamp(0, value), runnable: false }))!;
    expect(hex(p.subarray(8, 8 + expected.length / 2))).toBe(expected);
  });
});

describe.each(CORES)('out area (%s)', (_name, core) => {
  it('packs packets side by side, and refuses one that does not fit after `at`', () => {
    const event = WORKED[5][1];
    const alone = packet(core, stage(event))!;
    expect(core.encode(stage(event), 1000)).toBe(alone.length);
    expect(hex(core.encoded.subarray(1000, 1000 + alone.length))).toBe(hex(alone));
    const last = core.encoded.length - alone.length;
    expect(core.encode(stage(event), last + 1)).toBe(ENC_NO_ROOM);
    expect(core.encode(stage(event), last)).toBe(alone.length);
    expect(hex(core.encoded.subarray(last))).toBe(hex(alone));
  });
});

describe.each(['js', 'wasm'] as const)('Encoder.encodeAll (%s)', (backend) => {
  it('gives the bytes of encode() event by event, across refills of the out area and split files', () => {
    const enc = new Encoder({ backend });
    const events: EventInit[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push({ testId: `t${i}`, status: 'success', tags: i % 3 ? ['a', `w${i % 5}`] : undefined, fileName: 'f', fileBytes: new Uint8Array(i % 7 ? 10 : 3000).fill(i & 255) });
    }
    events.splice(1500, 0, { testId: 'big', fileName: 'core', fileBytes: new Uint8Array(9_000_000).fill(7), eof: true, status: 'fail' });
    const all = enc.encodeAll(events);
    const oneByOne = concat(events.map((e) => enc.encode(e)));
    expect(all.length).toBe(oneByOne.length);
    expect(all.length).toBeGreaterThan(2 * (MAX_PACKET + 1)); // the area was refilled
    expect(Buffer.compare(all, oneByOne)).toBe(0);
    expect(decodeAll(all, { backend }).filter((e) => e.source === 'packet').length).toBe(events.length + 2); // the big file in 3 packets
  });
});

describe('staging refuses what no decoder accepts', () => {
  const enc = new Encoder({ backend: 'js' });
  it.each([
    [{ testId: 'a\0b' }, /NUL/],
    [{ tags: ['\ud800'] }, /surrogate/],
    // long strings take Node's native length path
    [{ testId: 'x'.repeat(40) + '\0' }, /NUL/],
    [{ routeCode: 'é'.repeat(30) + '\udc00' + 'y' }, /surrogate/],
    [{ mimeType: '🦀'.repeat(20) + '\ud83e' }, /surrogate/],
    [{ timestamp: new Timestamp(-1) }, /outside/],
    [{ status: 'passed' as never }, /unknown status/],
  ])('%o', (event, message) => {
    expect(() => enc.encode(event)).toThrow(EncodeError);
    expect(() => enc.encode(event)).toThrow(message);
  });

  // file content is split over packets (test/bigattachment.test.ts); strings cannot be
  it.each(['js', 'wasm'] as const)('strings longer than a packet (%s)', (backend) => {
    const e = new Encoder({ backend });
    const huge = { testId: 'x'.repeat(5_000_000), status: 'success' as const };
    expect(() => e.encode(huge)).toThrow(EncodeError);
    expect(() => e.encodeAll([huge])).toThrow(
      /^event does not fit in a packet: its fields other than the file content take 5000004 bytes \(the test id alone 5000000\), over the 4194303-byte packet limit$/,
    );
    // room for no file bytes at all
    expect(() => e.encode({ testId: 'x'.repeat(4194290), fileName: 'f', fileBytes: new Uint8Array(10) })).toThrow(/does not fit in a packet/);
  });
});

describe('long strings (native UTF-8 length and write on Node)', () => {
  it.each(CORES)('%s: every kind of character, at lengths around the native threshold', (_n, core) => {
    for (const base of ['a', 'é', '€', '🦀', 'a€🦀é']) {
      for (let n = 1; n < 40; n += 3) {
        const testId = base.repeat(n);
        const [d] = decodeAll(packet(core, stage({ testId, tags: [testId + 't'], routeCode: testId }))!, { backend: core });
        expect([d.testId, d.tags, d.routeCode]).toEqual([testId, [testId + 't'], testId]);
      }
    }
  });
});

describe('encode → decode gives the event back', () => {
  it.each(CORES)('%s', (_n, core) => {
    const e = {
      testId: 'pkg.tést 🦀', status: 'xfail' as const, tags: ['b', 'a', 'worker-0'], runnable: false,
      mimeType: 'text/plain; charset=utf8', fileName: 'traceback', fileBytes: new Uint8Array([0, 0xb3, 255]), eof: true,
      routeCode: '1/0', timestamp: new Timestamp(1700000000, 123456789),
    };
    const [d] = decodeAll(packet(core, stage(e))!, { backend: core });
    expect(d.source).toBe('packet');
    expect({ ...e, fileBytes: [...e.fileBytes], timestamp: String(e.timestamp) }).toEqual({
      testId: d.testId, status: d.status, tags: d.tags, runnable: d.runnable, mimeType: d.mimeType, fileName: d.fileName,
      fileBytes: [...d.fileBytes!], eof: d.eof, routeCode: d.routeCode, timestamp: String(d.timestamp),
    });
    expect(d.timestamp!.toDate().toISOString()).toBe('2023-11-14T22:13:20.123Z');
  });
});
