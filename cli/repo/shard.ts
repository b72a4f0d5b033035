// Partitioning a test list over shards by recorded durations, as stestr's
// scheduler does: groups with known times longest first, each onto the shard
// with the least time so far (then the fewest tests); groups only partly timed
// next, by their known time; groups with no time at all dealt round-robin.
import { timeKey } from './repository.js';

export interface Partition {
  shards: string[][];
  /** Recorded seconds per shard (tests with no time count 0). */
  seconds: number[];
  /** Tests with no recorded time. */
  untimed: number;
}

export function partition(ids: string[], count: number, times: Map<string, number>, groupOf?: (id: string) => string | undefined): Partition {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const g = groupOf?.(id) || id;
    const members = groups.get(g);
    if (members) members.push(id);
    else groups.set(g, [id]);
  }
  const timed: [string, number][] = [];
  const partial: [string, number][] = [];
  const unknown: string[] = [];
  let untimed = 0;
  for (const [g, members] of groups) {
    let known = 0;
    let missing = 0;
    for (const id of members) {
      const t = times.get(timeKey(id));
      if (t === undefined) missing++;
      else known += t;
    }
    untimed += missing;
    if (missing === 0) timed.push([g, known]);
    else if (known > 0) partial.push([g, known]);
    else unknown.push(g);
  }
  const shards: string[][] = Array.from({ length: count }, () => []);
  const seconds = new Array<number>(count).fill(0);
  // shard numbers ordered by (time, tests); the first is the least loaded
  const order = shards.map((_, i) => i);
  const place = (queue: [string, number][]) => {
    // stable: equal times keep the list's order
    for (const [g, t] of [...queue].sort((a, b) => b[1] - a[1])) {
      const k = order[0];
      seconds[k] += t;
      shards[k].push(...groups.get(g)!);
      // one shard's key grew: re-insert it where Python's stable sort puts it (before equal keys, as it was first)
      order.shift();
      let at = order.findIndex((j) => seconds[j] > seconds[k] || (seconds[j] === seconds[k] && shards[j].length >= shards[k].length));
      if (at < 0) at = order.length;
      order.splice(at, 0, k);
    }
  };
  place(timed);
  place(partial);
  unknown.forEach((g, i) => shards[i % count].push(...groups.get(g)!));
  return { shards, seconds, untimed };
}
