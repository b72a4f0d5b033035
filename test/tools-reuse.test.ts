// The tools' memory savings keep their outputs: read buffers refilled in turn
// (a file of many 4 MiB reads gives what stdin's fresh 64 KiB pieces give),
// packets copied instead of re-encoded only when the encoder would write the
// same bytes, and filter's tests keyed as the results layer keys them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, Timestamp, decodeAll, encode, concat, toPlainEvent, type EventInit, type Status } from '../bindings/index.js';
import { reencodesToItself } from '../cli/v2out.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const run = (args: string[], input?: Uint8Array) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
};

/** ~20 MB of tests on four workers: attachments from none to 3 MB (split over packets), every status, some never finished. */
function bigRun(): Uint8Array {
  const encoder = new Encoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  let x = 12345;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const statuses: Status[] = ['success', 'success', 'success', 'fail', 'skip', 'xfail', 'uxsuccess'];
  for (let i = 0; size < 20e6; i++) {
    const worker = i % 4;
    const base = { testId: `pkg.mod${i % 37}.Test${i % 5}.test_${i}`, routeCode: `${worker}`, tags: [`worker-${worker}`] };
    const events: EventInit[] = [{ ...base, status: 'inprogress', timestamp: new Timestamp(1_700_000_000 + i, rand(1e9)) }];
    const big = rand(50) === 0 ? 1_000_000 + rand(2_000_000) : rand(3000);
    if (big) {
      const bytes = new Uint8Array(big);
      for (let k = 0; k < big; k += 97) bytes[k] = 65 + (k % 26);
      events.push({ ...base, fileName: 'traceback', mimeType: 'text/x-traceback; charset="utf8"', fileBytes: bytes, eof: true });
    }
    if (i % 1000 !== 999) events.push({ ...base, status: statuses[rand(statuses.length)], timestamp: new Timestamp(1_700_000_001 + i, rand(1e9)) });
    for (const e of events) {
      const p = encoder.encode(e);
      parts.push(p);
      size += p.length;
    }
  }
  return concat(parts);
}

describe('tools over a file read into reused buffers', () => {
  let dir: string;
  let path: string;
  let bytes: Uint8Array;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'subunit-reuse-'));
    path = join(dir, 'big.subunit');
    bytes = bigRun();
    writeFileSync(path, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const runs = [['stats'], ['ls', '--times', '--exists'], ['csv'], ['junit'], ['trace', '--exit-zero'], ['filter'], ['filter', '-s', '--xfail'], ['json']];
  for (const args of runs) {
    it(`${args.join(' ')}: the same output as from stdin`, () => {
      const fromFile = run([...args, path]);
      const fromStdin = run([...args, '-'], bytes);
      expect(fromFile.stderr).toBe('');
      expect(fromFile.status).toBe(fromStdin.status);
      expect(fromFile.stdout.length).toBe(fromStdin.stdout.length);
      expect(fromFile.stdout.equals(fromStdin.stdout)).toBe(true);
    });
  }

  it('filter -s --xfail: packets written as input ranges give what re-encoding gives (a --rename that matches nothing)', () => {
    const copied = run(['filter', '-s', '--xfail', path]);
    const reencoded = run(['filter', '-s', '--xfail', '--rename', 'no-such-test-id', 'x', path]);
    expect(copied.stderr).toBe('');
    expect(copied.stdout.equals(reencoded.stdout)).toBe(true);
  });

  it('filter -s copies every packet through unchanged (no chatter, all of it canonical)', () => {
    const out = run(['filter', '-s', '--xfail', path]).stdout;
    // every test kept (uxsuccess, fail, skip, xfail, success and the unfinished ones' added fail): the input's packets all come back
    const input = decodeAll(bytes);
    const output = decodeAll(out);
    const packets = new Set(input.map((e) => Buffer.from(bytes.subarray(e.offset, e.offset + e.length)).toString('base64')));
    let copied = 0;
    for (const e of output) if (packets.has(Buffer.from(out.subarray(e.offset, e.offset + e.length)).toString('base64'))) copied++;
    expect(copied).toBe(input.length);
  });
});

describe('packets copied instead of re-encoded', () => {
  it('filter writes every fixture (damaged ones too) as the re-encoding path does, from a file and from stdin', () => {
    const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.subunit'));
    for (const name of names) {
      const file = FIXTURES + name;
      const bytes = readFileSync(file);
      for (const args of [['-s'], ['-s', '--xfail', '--no-passthrough'], []]) {
        // renaming nothing takes the path that re-encodes every event
        const reencoded = run(['filter', ...args, '--rename', 'no-such-test-id', 'x', file]);
        for (const copied of [run(['filter', ...args, file]), run(['filter', ...args, '-'], bytes)]) {
          expect(copied.status, `${name} ${args.join(' ')}`).toBe(reencoded.status);
          expect(copied.stderr).toBe(reencoded.stderr);
          expect(copied.stdout.equals(reencoded.stdout), `${name} ${args.join(' ')}`).toBe(true);
        }
      }
    }
    // several inputs in one run: held tests and joined ranges cross from one input to the next
    const all = names.map((n) => FIXTURES + n);
    const many = run(['filter', '-s', '--xfail', ...all, ...all]);
    expect(many.stdout.length).toBeGreaterThan(0);
    expect(many.stdout.equals(run(['filter', '-s', '--xfail', '--rename', 'no-such-test-id', 'x', ...all, ...all]).stdout)).toBe(true);
    // json's lines of several inputs are each input's lines in turn
    const json = run(['json', ...all]);
    expect(json.stdout.equals(Buffer.concat(all.map((f) => run(['json', f]).stdout)))).toBe(true);
  }, 240_000);

  it('reencodesToItself only where the encoder writes the same bytes, on every packet of every fixture', () => {
    let yes = 0;
    let no = 0;
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.subunit'))) {
      const bytes = new Uint8Array(readFileSync(FIXTURES + f));
      for (const e of decodeAll(bytes)) {
        if (e.source !== 'packet') continue;
        const raw = bytes.subarray(e.offset, e.offset + e.length);
        const again = encode(toPlainEvent(e));
        if (reencodesToItself(raw)) {
          yes++;
          expect(Buffer.from(again).equals(Buffer.from(raw))).toBe(true);
        } else no++;
      }
    }
    expect(yes).toBeGreaterThan(1000);
    expect(no).toBeGreaterThan(0); // the fixtures hold packets the encoder would write otherwise
  });

  it('each way the encoder would spell a packet otherwise is caught', () => {
    const canonical = encode({ testId: 'a', status: 'fail', tags: ['t'], mimeType: 'text/plain', fileName: 'f', fileBytes: new Uint8Array([1]), routeCode: 'r', timestamp: new Timestamp(1, 2) });
    expect(reencodesToItself(canonical)).toBe(true);
    const flagged = (mask: number) => {
      const p = canonical.slice();
      p[1] ^= mask;
      return p;
    };
    expect(reencodesToItself(flagged(0x10))).toBe(false); // version 3
    expect(reencodesToItself(flagged(0x00))).toBe(true);
    const reserved = canonical.slice();
    reserved[2] |= 0x08;
    expect(reencodesToItself(reserved)).toBe(false);
    // a field's length varint made two bytes wide (the packet grows by one; its length byte says so)
    const wide = (at: number) => {
      const p = new Uint8Array(canonical.length + 1);
      p.set(canonical.subarray(0, at));
      p[at] = 0x40;
      p.set(canonical.subarray(at), at + 1);
      p[3] += 1;
      return p;
    };
    // after B3, flags, length (1), seconds (4), nanos (1): the test id's length
    expect(reencodesToItself(wide(9))).toBe(false);
    expect(reencodesToItself(wide(8))).toBe(false); // nanos as 2 bytes
    const trailing = new Uint8Array(canonical.length + 1);
    trailing.set(canonical.subarray(0, canonical.length - 4));
    trailing[3] += 1;
    expect(reencodesToItself(trailing)).toBe(false);
    expect(reencodesToItself(encode({ testId: 'a', timestamp: new Timestamp(1, 999_999_999) }))).toBe(true);
  });
});

describe('subunit filter with many tests in flight', () => {
  let dir: string;
  let path: string;
  let unfinished = 0;
  beforeAll(() => {
    // ~10 MB (several 4 MiB reads): up to 60 tests open at once, finishing in random order, each
    // with packets across reads, so tests leave the list of those in flight from anywhere in it
    const encoder = new Encoder();
    const parts: Uint8Array[] = [];
    let x = 777;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const open: { id: string; left: number }[] = [];
    const statuses: Status[] = ['success', 'fail', 'skip', 'xfail'];
    let size = 0;
    for (let i = 0; size < 10e6; ) {
      if (open.length < 60 && rand(3) > 0) {
        const id = `pkg.Test${i % 7}.test_${i++}`;
        open.push({ id, left: 1 + rand(6) });
        parts.push(encoder.encode({ testId: id, status: 'inprogress', timestamp: new Timestamp(1_700_000_000 + i, rand(1e9)) }));
      } else if (open.length > 0) {
        const k = rand(open.length);
        const t = open[k];
        const fileBytes = new Uint8Array(rand(4000)).fill(97 + rand(26));
        parts.push(encoder.encode(--t.left > 0 ? { testId: t.id, fileName: 'log', fileBytes } : { testId: t.id, status: statuses[rand(4)] }));
        if (t.left === 0) open.splice(k, 1);
      }
      size += parts[parts.length - 1]?.length ?? 0;
    }
    unfinished = open.length;
    dir = mkdtempSync(join(tmpdir(), 'subunit-inflight-'));
    path = join(dir, 'inflight.subunit');
    writeFileSync(path, concat(parts));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const backend of ['wasm', 'js']) {
    it(`${backend}: every test's events written, as re-encoding writes them`, () => {
      const copied = run(['filter', '-s', '--xfail', '--backend', backend, path]);
      const reencoded = run(['filter', '-s', '--xfail', '--backend', backend, '--rename', 'no-such-test-id', 'x', path]);
      expect(copied.stderr).toBe('');
      expect(copied.status).toBe(0);
      expect(copied.stdout.equals(reencoded.stdout)).toBe(true);
      // nothing lost: every packet, and a "fail" for each test left unfinished
      expect(unfinished).toBeGreaterThan(0);
      expect(decodeAll(copied.stdout).length).toBe(decodeAll(readFileSync(path)).length + unfinished);
    });
  }
});

describe('subunit filter keys tests as the results layer does', () => {
  it('events of one test with no route code and an empty one are all written (none left behind)', () => {
    const sent: EventInit[] = [
      { testId: 't', status: 'inprogress' },
      { testId: 't', routeCode: '', fileName: 'traceback', fileBytes: new TextEncoder().encode('boom') },
      { testId: 't', routeCode: '', status: 'fail' },
    ];
    const out = run(['filter'], concat(sent.map((e) => encode(e)))).stdout;
    const got = decodeAll(out).map((e) => [e.status, e.fileName, e.routeCode]);
    expect(got).toEqual([['inprogress', undefined, undefined], [undefined, 'traceback', ''], ['fail', undefined, '']]);
  });
});
