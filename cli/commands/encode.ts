import { Encoder } from '../../bindings/codec/encoder.js';
import { eventFromJsonLine } from '../../bindings/adapters/jsonl.js';
import { InputError } from '../../bindings/codec/errors.js';
import { UsageError } from '../errors.js';
import { openInput, Output } from '../io.js';
import { sniffed } from '../source.js';
import { defineCommand, BACKEND_OPTION } from '../command.js';

/**
 * The longest line taken: `subunit json` writes at most about 25 MiB for one
 * packet (a 4 MiB packet whose every byte is escaped); a file too large for one
 * line goes over several lines, one per packet, as `subunit json` writes it.
 */
export const MAX_LINE = 64 << 20;

/**
 * Split byte chunks into lines at LF (a last line without LF counts); linear in
 * the input, however long the lines. A line past `limit` bytes is refused as
 * soon as it passes it, never held whole.
 */
async function* lines(chunks: AsyncIterable<Uint8Array>, limit: number, tooLong: (lineNumber: number) => Error): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the current line's bytes so far (none holds an LF)
  let size = 0;
  let n = 0; // lines handed out
  for await (const chunk of chunks) {
    let at = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, at)) {
      if (size + nl - at > limit) throw tooLong(n + 1);
      const piece = chunk.subarray(at, nl);
      n++;
      yield parts.length ? Buffer.concat([...parts, piece]) : piece;
      parts = [];
      size = 0;
      at = nl + 1;
    }
    if (at < chunk.length) {
      size += chunk.length - at;
      if (size > limit) throw tooLong(n + 1);
      parts.push(chunk.slice(at));
    }
  }
  if (parts.length) yield Buffer.concat(parts);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const encode = defineCommand({
  name: 'encode',
  summary: 'write v2 packets from JSON Lines events',
  usage: 'subunit encode [--backend wasm|js] [FILE|-]',
  description:
    'Reads events in the JSON Lines form that `subunit json` prints (stdin when no file is\n' +
    'given; gzip detected) and writes one v2 packet per line (several when a file does not\n' +
    'fit in one packet). Blank lines are ignored. An invalid line stops the command with its\n' +
    'line number, after the packets of the lines before it; a line over 64 MiB is refused as\n' +
    'soon as it passes that size.',
  options: { backend: BACKEND_OPTION },
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one input');
    const input = await openInput(positionals[0] ?? '-');
    // gzip detected; a damaged one stops before its partial last line, with the lines before it written
    const { chunks } = await sniffed(input);
    const encoder = new Encoder({ backend: values.backend });
    const out = new Output();
    let n = 0;
    try {
      const tooLong = (line: number) =>
        new InputError(`${input.name}:${line}: line longer than ${MAX_LINE >> 20} MiB (a file that large goes over several lines, as \`subunit json\` writes it)`, input.name, line);
      for await (const bytes of lines(chunks, MAX_LINE, tooLong)) {
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
});
