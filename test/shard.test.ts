// subunit shard against stestr's own scheduler (stestr.scheduler.partition_tests)
// on the same recorded durations, and its balance on 10,000 synthetic tests.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subunit, runBytes, type FakeTest } from './repo-helpers.js';
import { partition } from '../cli/repo/shard.js';

/** stestr's partition of `ids` over `count` workers, given the known times. */
function stestrPartition(ids: string[], times: Record<string, number>, count: number, groupRegex?: string): string[][] {
  const script = `import json, re, sys
from stestr.scheduler import partition_tests
spec = json.load(sys.stdin)
class Repo:
    def get_test_times(self, test_ids):
        known = {t: spec['times'][t] for t in test_ids if t in spec['times']}
        return {'known': known, 'unknown': set(test_ids) - set(known)}
group = None
if spec['group']:
    rx = re.compile(spec['group'])
    group = lambda t: rx.match(t).group(0) if rx.match(t) else None
json.dump(partition_tests(spec['ids'], spec['count'], Repo(), group), sys.stdout)`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ ids, times, count, group: groupRegex ?? null }) });
  return JSON.parse(out.toString());
}

/** A deterministic generator (no Math.random: the same tests every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Durations shaped like real suites: most tests short, a long tail. Whole microseconds, as recorded. */
function suite(n: number, seed: number, untimedEvery = 0): { ids: string[]; times: Record<string, number> } {
  const rnd = lcg(seed);
  const ids: string[] = [];
  const times: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = `pkg.mod${i % 37}.Test${i % 11}.test_${i}`;
    ids.push(id);
    if (untimedEvery && i % untimedEvery === 0) continue;
    times[id] = Math.round((-Math.log(1 - rnd())) ** 2 * 0.2 * 1e6) / 1e6;
  }
  return { ids, times };
}

/** A repository whose index records these times. */
function repoWith(times: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'subunit-shard-'));
  const tests: FakeTest[] = Object.entries(times).map(([id, seconds]) => ({ id, status: 'success', seconds }));
  expect(subunit(['load'], { cwd: dir, input: runBytes(tests) }).code).toBe(0);
  return dir;
}

const maxOf = (shards: string[][], times: Record<string, number>) => Math.max(...shards.map((s) => s.reduce((t, id) => t + (times[id] ?? 0), 0)));

describe('subunit shard', () => {
  it('gives the partition stestr gives on the same durations (timed, untimed, grouped)', () => {
    const { ids, times } = suite(400, 7, 9);
    const dir = repoWith(times);
    writeFileSync(join(dir, 'list'), ids.join('\n') + '\n');
    for (const [count, group] of [[4, undefined], [3, '[^.]+\\.[^.]+'], [7, undefined]] as [number, string | undefined][]) {
      const args = ['shard', '--shards', String(count), 'list', ...(group ? ['--group-regex', group] : [])];
      const r = subunit(args, { cwd: dir });
      expect(r.code).toBe(0);
      const ours: string[][] = Array.from({ length: count }, () => []);
      for (const line of r.stdout.split('\n').filter(Boolean)) {
        const [k, id] = line.split('\t');
        ours[Number(k)].push(id);
      }
      expect(ours).toEqual(stestrPartition(ids, times, count, group));
      expect(r.stderr).toMatch(new RegExp(`^subunit shard: 400 tests over ${count} shards \\(45 with no recorded time, dealt round-robin\\); .* max/mean \\d\\.\\d{4}\\n$`));
      // --index K prints shard K alone
      expect(subunit([...args, '--index', '1'], { cwd: dir }).stdout).toBe(ours[1].map((id) => id + '\n').join(''));
    }
  });

  it('keeps a group on one shard', () => {
    const { ids, times } = suite(200, 3);
    const p = partition(ids, 5, new Map(Object.entries(times)), (id) => id.split('.').slice(0, 2).join('.'));
    for (const mod of new Set(ids.map((id) => id.split('.')[1]))) {
      expect(p.shards.filter((s) => s.some((id) => id.split('.')[1] === mod)).length).toBe(1);
    }
  });

  it('balances 10,000 synthetic tests as well as stestr does (max/mean printed)', () => {
    const { ids, times } = suite(10_000, 42);
    for (const count of [4, 16, 64]) {
      const ours = partition(ids, count, new Map(Object.entries(times)));
      const theirs = stestrPartition(ids, times, count);
      const max = Math.max(...ours.seconds);
      const mean = ours.seconds.reduce((a, b) => a + b, 0) / count;
      console.log(`shard 10,000 tests over ${count}: max ${max.toFixed(3)} s, mean ${mean.toFixed(3)} s, max/mean ${(max / mean).toFixed(4)}; stestr max ${maxOf(theirs, times).toFixed(3)} s`);
      expect(max).toBeLessThanOrEqual(maxOf(theirs, times) + 1e-9);
      expect(ours.shards.flat().sort()).toEqual([...ids].sort());
    }
  });

  it('rejects bad counts and indexes with a one-line usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'subunit-shard-'));
    expect(subunit(['shard', '--shards', '0'], { cwd: dir, input: 'a\n' })).toMatchObject({ code: 2, stderr: 'subunit shard: --shards must be a whole number of at least 1, not "0"\n' });
    expect(subunit(['shard', '--shards', '2', '--index', '2'], { cwd: dir, input: 'a\n' })).toMatchObject({ code: 2, stderr: 'subunit shard: --index must be a whole number from 0 to 1, not "2"\n' });
    expect(subunit(['shard', '--shards', '2', '--group-regex', '('], { cwd: dir, input: 'a\n' }).code).toBe(2);
    // no repository: every test dealt round-robin
    expect(subunit(['shard', '--shards', '2'], { cwd: dir, input: 'a\nb\nc\n' }).stdout).toBe('0\ta\n0\tc\n1\tb\n');
  });
});
