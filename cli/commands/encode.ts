import { Encoder } from '../../bindings/encoder.js';
import { eventFromJsonLine } from '../../bindings/jsonl.js';
import { InputError } from '../../bindings/errors.js';
import type { BackendName } from '../../bindings/core.js';
import { openInput, Output } from '../io.js';
import type { Command } from '../command.js';

/** Split byte chunks into lines (LF; a final line without LF counts). */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const text = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  for await (const chunk of chunks) {
    const parts = (rest + text.decode(chunk, { stream: true })).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += text.decode();
  if (rest !== '') yield rest;
}

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
      for await (const line of lines(input.chunks)) {
        n++;
        if (line.trim() === '') continue;
        try {
          await out.write(encoder.encode(eventFromJsonLine(line)));
        } catch (e) {
          throw new InputError(`${input.name}:${n}: ${(e as Error).message}`, input.name, n);
        }
      }
    } catch (e) {
      if (e instanceof TypeError && /encoded data/.test(e.message)) throw new InputError(`${input.name}:${n + 1}: not valid UTF-8`, input.name, n + 1);
      throw e;
    } finally {
      await out.flush();
    }
    return 0;
  },
};
