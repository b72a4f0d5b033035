import { Output } from '../io.js';
import { passInputs } from '../source.js';
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
    for await (const input of passInputs(positionals, context)) {
      await init(values.backend);
      const lines = new JsonLines(coreFor(values.backend), buf);
      if ('fill' in input) {
        // a plain v2 file is read straight into the core's memory
        try {
          for (let n = -1; n !== 0; ) {
            n = await input.fill.fill(lines.fillArea());
            for (const _ of lines.fill(n)) if (lines.at >= WRITE_FROM) await out.writeThrough(lines.take());
          }
        } finally {
          await input.fill.close?.();
        }
      } else {
        // gzip and v1 undone; an input that fails midway ends with what it held
        for await (const chunk of input.chunks) {
          for (const _ of lines.push(chunk)) if (lines.at >= WRITE_FROM) await out.writeThrough(lines.take());
        }
        lines.end();
      }
      await out.writeThrough(lines.take());
      buf = lines.out;
      if (context.failure) break;
    }
    await out.flush();
    return 0;
  },
});
