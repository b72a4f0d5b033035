import { Encoder } from '../../bindings/encoder.js';
import { eventFromJsonLine } from '../../bindings/jsonl.js';
import { InputError } from '../../bindings/errors.js';
import { UsageError } from '../errors.js';
import type { BackendName } from '../../bindings/core.js';
import { openInput, Output } from '../io.js';
import { sniffed } from '../source.js';
import type { Command } from '../command.js';

/** Split byte chunks into lines at LF (a last line without LF counts); linear in the input, however long the lines. */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the current line's bytes so far (none holds an LF)
  for await (const chunk of chunks) {
    let at = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, at)) {
      const piece = chunk.subarray(at, nl);
      yield parts.length ? Buffer.concat([...parts, piece]) : piece;
      parts = [];
      at = nl + 1;
    }
    if (at < chunk.length) parts.push(chunk.slice(at));
  }
  if (parts.length) yield Buffer.concat(parts);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const encode: Command = {
  name: 'encode',
  summary: 'write v2 packets from JSON Lines events',
  usage: 'subunit encode [--backend wasm|js] [FILE|-]',
  description:
    'Reads events in the JSON Lines form that `subunit json` prints (stdin when no file is\n' +
    'given; gzip detected) and writes one v2 packet per line (several when a file does not\n' +
    'fit in one packet). Blank lines are ignored. An invalid line stops the command with its\n' +
    'line number, after the packets of the lines before it.',
  options: { backend: { type: 'string', default: 'wasm', help: 'codec backend: wasm (default) or js' } },
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one input');
    const input = await openInput(positionals[0] ?? '-');
    // gzip detected; a damaged one stops before its partial last line, with the lines before it written
    const { chunks } = await sniffed(input);
    const encoder = new Encoder({ backend: values.backend as BackendName });
    const out = new Output();
    let n = 0;
    try {
      for await (const bytes of lines(chunks)) {
        n++;
        let line: string;
        try {
          line = utf8.decode(bytes);
        } catch {
          throw new InputError(`${input.name}:${n}: not valid UTF-8`, input.name, n);
        }
        if (line.trim() === '') continue;
        let packets: Uint8Array;
        try {
          packets = encoder.encode(eventFromJsonLine(line)); // several when the file content needs them
        } catch (e) {
          throw new InputError(`${input.name}:${n}: ${(e as Error).message}`, input.name, n);
        }
        await out.write(packets);
      }
    } finally {
      await out.flush();
    }
    return 0;
  },
};
