import { readFileSync } from 'node:fs';
import { BACKEND_OPTION } from '../source.js';
import { UsageError } from '../errors.js';
import { asInputError, Output } from '../io.js';
import { Repository, REPO_OPTION } from '../repo/repository.js';
import { partition } from '../repo/shard.js';
import { wholeNumber } from '../repo/args.js';
import { defineCommand } from '../command.js';

/** Python's re.match: anchored at the start only. */
function groupMatcher(pattern: string): (id: string) => string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})`, 'u');
  } catch (e) {
    throw new UsageError(`--group-regex: ${(e as Error).message}`);
  }
  return (id) => re.exec(id)?.[0] || undefined;
}

export const shard = defineCommand({
  name: 'shard',
  summary: 'split a test list over M machines, balanced by recorded times',
  usage: 'subunit shard --shards M [--index K] [--repo DIR] [--group-regex RE] [TEST-LIST|-]',
  description:
    'Reads test ids, one a line (a file, or stdin), and partitions them over M shards by the\n' +
    'durations the repository recorded (ours or stestr\'s): longest first onto the least-loaded\n' +
    'shard, as stestr\'s scheduler does; tests with no recorded time are dealt round-robin.\n' +
    '--group-regex keeps tests whose ids match the same prefix on one shard. With --index K\n' +
    '(0 to M-1) prints shard K\'s ids; without, every id as "K<TAB>id". The balance reached goes\n' +
    'to stderr: each shard\'s recorded seconds, max/mean. With no repository every test is\n' +
    'untimed (round-robin).',
  options: {
    shards: { type: 'string', help: 'number of shards (M)' },
    index: { type: 'string', help: 'print only shard K (0-based)' },
    'group-regex': { type: 'string', help: 'tests whose ids match the same prefix stay together' },
    repo: REPO_OPTION,
    backend: BACKEND_OPTION,
  },
  async run({ values, positionals }) {
    const count = wholeNumber('--shards', values.shards, 1);
    const index = values.index === undefined ? undefined : wholeNumber('--index', values.index, 0, count - 1);
    if (positionals.length > 1) throw new UsageError('one test list at most');
    const listPath = positionals[0] ?? '-';
    let text: string;
    try {
      text = readFileSync(listPath === '-' ? 0 : listPath, 'utf8');
    } catch (e) {
      throw asInputError(e, listPath === '-' ? '<stdin>' : listPath);
    }
    const ids = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
    let times = new Map<string, number>();
    try {
      times = await Repository.open(values.repo).times(values.backend);
    } catch (e) {
      if (values.repo !== undefined) throw e; // no default repository: every test untimed
    }
    const groupOf = values['group-regex'] === undefined ? undefined : groupMatcher(values['group-regex']);
    const p = partition(ids, count, times, groupOf);
    const out = new Output();
    if (index !== undefined) await out.write(p.shards[index].map((id) => id + '\n').join(''));
    else for (const [k, s] of p.shards.entries()) await out.write(s.map((id) => `${k}\t${id}\n`).join(''));
    await out.flush();
    const max = Math.max(...p.seconds);
    const mean = p.seconds.reduce((a, b) => a + b, 0) / count;
    process.stderr.write(
      `subunit shard: ${ids.length} tests over ${count} shards (${p.untimed} with no recorded time, dealt round-robin); ` +
        `recorded seconds per shard: ${p.seconds.map((s) => s.toFixed(2)).join(' ')}; max ${max.toFixed(2)}, mean ${mean.toFixed(2)}, ` +
        `max/mean ${mean > 0 ? (max / mean).toFixed(4) : '1.0000'}\n`,
    );
    return 0;
  },
});
