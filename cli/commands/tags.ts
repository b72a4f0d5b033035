import { statSync } from 'node:fs';
import { inputEvents } from '../source.js';
import { UsageError } from '../errors.js';
import { Output } from '../io.js';
import { V2Writer } from '../v2out.js';
import { defineCommand } from '../command.js';

/** Tag changes `TAG` (add) and `-TAG` (remove) → the new tag list of an event. */
export function tagChanger(changes: string[]): (tags: readonly string[] | undefined) => string[] | undefined {
  const add: string[] = [];
  const remove = new Set<string>();
  for (const c of changes) {
    if (c.startsWith('-')) remove.add(c.slice(1));
    else add.push(c);
  }
  return (tags) => {
    const out = (tags ?? []).filter((t) => !remove.has(t));
    for (const t of add) if (!remove.has(t) && !out.includes(t)) out.push(t);
    return out.length ? out : undefined;
  };
}

export const tags = defineCommand({
  name: 'tags',
  summary: 'add or remove tags on every event, as subunit-tags',
  usage: 'subunit tags TAG|-TAG...',
  description:
    'Reads a stream on stdin and writes it as v2 with the tags changed on every event: TAG\n' +
    'adds TAG, -TAG removes it. Existing tags keep their order. Non-subunit input is\n' +
    'forwarded as "stdout" file packets, as subunit-tags does. Every argument is a tag, as in\n' +
    'subunit-tags: one that is also a file\'s name gets a\n' +    'warning on stderr (the stream is read from stdin only).',
  options: {},
  rawArgs: true,
  async run({ context, positionals }) {
    if (positionals.length === 0) throw new UsageError('name at least one TAG or -TAG');
    // as subunit-tags, every argument is a tag; one that names a file was probably meant as input
    for (const arg of positionals) {
      const name = arg.startsWith('-') ? arg.slice(1) : arg;
      if (name && statSync(name, { throwIfNoEntry: false })?.isFile()) {
        process.stderr.write(`subunit tags: warning: tag "${arg}" is also a file's name; tags reads stdin only (subunit tags TAG... < FILE)\n`);
      }
    }
    const change = tagChanger(positionals);
    const out = new Output();
    const writer = new V2Writer(out);
    for await (const batch of inputEvents(['-'], undefined, context)) {
      for (const e of batch) await writer.write(e, { tags: change(e.tags) });
    }
    await writer.end();
    await out.flush();
    return 0;
  },
});
