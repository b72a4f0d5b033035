// cli/io.ts Spool: junit's cases held until the totals are known, spilled to a
// temporary file past its limit (RSS flat), written back in order, file removed.
import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Output, Spool } from '../cli/io.js';

const spools = () => readdirSync(tmpdir()).filter((n) => n.startsWith('subunit-spool-')).length;

function collector() {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write: (c, _e, done) => done(void chunks.push(Buffer.from(c))) });
  return { out: new Output(stream, 64), text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('Spool', () => {
  it('writes back in order what spilled to disk and what stayed in memory, then removes its file', async () => {
    const before = spools();
    const spool = new Spool(100);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      const line = `<testcase name="t${i}" é="✓"/>\n`;
      spool.add(line);
      expected += line;
    }
    expect(spools()).toBe(before + 1); // it spilled
    const c = collector();
    await spool.writeTo(c.out);
    await c.out.flush();
    expect(c.text()).toBe(expected);
    expect(spools()).toBe(before);
  });

  it('keeps bytes written at room() in order with text added before and after, across spills', async () => {
    const before = spools();
    const spool = new Spool(100);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      const line = `<testcase name="t${i}" é="✓"/>\n`;
      if (i % 3 === 0) {
        spool.room(line.length);
        spool.at += Buffer.from(line.replace('é', 'e').replace('✓', 'v')).copy(spool.buf, spool.at);
        expected += line.replace('é', 'e').replace('✓', 'v');
      } else {
        spool.add(line);
        expected += line;
      }
    }
    expect(spools()).toBe(before + 1);
    const c = collector();
    await spool.writeTo(c.out);
    await c.out.flush();
    expect(c.text()).toBe(expected);
    expect(spools()).toBe(before);
  });

  it('under its limit stays in memory', async () => {
    const before = spools();
    const spool = new Spool();
    spool.add('a');
    spool.add('b');
    expect(spools()).toBe(before);
    const c = collector();
    await spool.writeTo(c.out);
    await c.out.flush();
    expect(c.text()).toBe('ab');
  });
});

describe('Output', () => {
  // short strings are joined before they are encoded: every other kind of
  // write, a flush and the end must still find them written first, in order
  it('writes short and long strings, bytes, pass-through bytes and flushes in the order given', async () => {
    const fc = (await import('fast-check')).default;
    const part = fc.oneof(
      fc.string({ maxLength: 256, unit: 'grapheme', size: 'large' }).map((s) => ({ kind: 'text' as const, s })),
      fc.string({ minLength: 257, maxLength: 600 }).map((s) => ({ kind: 'text' as const, s })),
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'bytes' as const, b })),
      fc.uint8Array({ maxLength: 100 }).map((b) => ({ kind: 'through' as const, b })),
      fc.constant({ kind: 'flush' as const }),
    );
    await fc.assert(
      // a part is taken when written: a caller that awaits only some promises keeps the order too
      fc.asyncProperty(fc.array(fc.tuple(part, fc.boolean()), { maxLength: 80 }), fc.constantFrom(64, 1024, 1 << 16), async (parts, size) => {
        const chunks: Buffer[] = [];
        const stream = new Writable({ write: (c, _e, done) => setImmediate(() => done(void chunks.push(Buffer.from(c)))) });
        const out = new Output(stream, size);
        const want: Buffer[] = [];
        const later: Promise<void>[] = [];
        const wait = async (w: Promise<void> | undefined, now: boolean) => {
          if (now) await w;
          else if (w) later.push(w);
        };
        for (const [p, now] of parts) {
          if (p.kind === 'text') {
            want.push(Buffer.from(p.s));
            await wait(out.write(p.s), now);
          } else if (p.kind === 'bytes') {
            want.push(Buffer.from(p.b));
            await wait(out.write(p.b), now);
          } else if (p.kind === 'through') {
            want.push(Buffer.from(p.b));
            await wait(out.writeThrough(p.b), now);
          } else await out.flush();
        }
        await out.flush();
        await Promise.all(later);
        expect(Buffer.concat(chunks).equals(Buffer.concat(want))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
