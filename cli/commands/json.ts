import { eventToJsonLine } from '../../bindings/adapters/jsonl.js';
import { Output } from '../io.js';
import { inputEvents } from '../source.js';
import { defineCommand, BACKEND_OPTION } from '../command.js';

export const json = defineCommand({
  name: 'json',
  summary: 'print the events of v2 streams as JSON Lines',
  usage: 'subunit json [--backend wasm|js] [FILE|-]...',
  description:
    'Decodes each input (stdin when none is given) and prints one JSON object per event,\n' +
    'in the canonical form of EVENTS-JSONL.md. Non-subunit bytes become "stdout" events;\n' +
    'damaged packets become the two "subunit.parser" events.',
  options: { backend: BACKEND_OPTION },
  async run({ context, values, positionals }) {
    const out = new Output();
    // gzip and v1 detected; an input that fails midway ends with what it held
    for await (const batch of inputEvents(positionals, values.backend, context)) {
      let text = '';
      for (const e of batch) text += eventToJsonLine(e) + '\n';
      await out.write(text);
    }
    await out.flush();
    return 0;
  },
});
