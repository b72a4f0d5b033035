import { Output } from '../io.js';
import { openInputs, inputBytes } from '../source.js';
import { JsonLines } from '../jsonlines.js';
import { init, coreFor } from '../../bindings/codec/backend.js';
import { defineCommand, BACKEND_OPTION } from '../command.js';

/** Bytes of JSON held before they are written. */
const WRITE_FROM = 1 << 20;

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
    let buf: Buffer | undefined; // one line buffer for every input
    for await (const input of openInputs(positionals, { reuse: true })) {
      // gzip and v1 detected; an input that fails midway ends with what it held
      const { chunks } = await inputBytes(input, context);
      await init(values.backend);
      const lines = new JsonLines(coreFor(values.backend), buf);
      for await (const chunk of chunks) {
        for (const _ of lines.push(chunk)) if (lines.at >= WRITE_FROM) await out.writeThrough(lines.take());
      }
      lines.end();
      await out.writeThrough(lines.take());
      buf = lines.out;
      if (context.failure) break;
    }
    await out.flush();
    return 0;
  },
});
