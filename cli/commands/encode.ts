import { Encoder } from '../../bindings/encoder.js';
import { eventFromJsonLine } from '../../bindings/jsonl.js';
import { InputError } from '../../bindings/errors.js';
import type { BackendName } from '../../bindings/core.js';
import { openInput, Output } from '../io.js';
import type { Command } from '../command.js';

/** Split byte chunks into lines at LF (a last line without LF counts). */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let rest: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let at = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
      yield buf.subarray(at, nl);
      at = nl + 1;
    }
    rest = buf.slice(at);
  }
  if (rest.length) yield rest;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const encode: Command = {
  name: 'encode',
  summary: 'write v2 packets from JSON Lines events',
  usage: 'subunit encode [--backend wasm|js] [FILE|-]',
  description:
    'Reads events in the JSON Lines form that `subunit json` prints (stdin when no file is\n' +
    'given) and writes one v2 packet per line. Blank lines are ignored.',
  options: { backend: { type: 'string', default: 'wasm', help: 'codec backend: wasm (default) or js' } },
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new InputError('encode takes at most one input');
    const input = await openInput(positionals[0] ?? '-');
    const encoder = new Encoder({ backend: values.backend as BackendName });
    const out = new Output();
    let n = 0;
    try {
      for await (const bytes of lines(input.chunks)) {
        n++;
        let line: string;
        try {
          line = utf8.decode(bytes);
        } catch {
          throw new InputError(`${input.name}:${n}: not valid UTF-8`, input.name, n);
        }
        if (line.trim() === '') continue;
        try {
          await out.write(encoder.encode(eventFromJsonLine(line)));
        } catch (e) {
          throw new InputError(`${input.name}:${n}: ${(e as Error).message}`, input.name, n);
        }
      }
    } finally {
      await out.flush();
    }
    return 0;
  },
};
