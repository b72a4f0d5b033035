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
