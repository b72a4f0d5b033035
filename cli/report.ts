// Where a report command (stats, csv, junit) writes: its report to stdout or
// `-o FILE`; with `-f/--forward`, the input stream itself goes on to stdout as
// v2 (non-test output as "stdout" packets), as python-subunit's filters do,
// and the report goes to FILE, or, without -o, into that stream as a last
// "stdout" packet (where the reference puts it too).
import { Writable } from 'node:stream';
import type { SubunitEvent } from '../bindings/codec/events.js';
import type { BackendName } from '../bindings/codec/core.js';
import { Output, outputStream } from './io.js';
import { V2Writer } from './v2out.js';
import type { OptionSpec } from './command.js';

export const REPORT_OPTIONS = {
  'output-to': { type: 'string', short: 'o', value: 'FILE', help: 'write the report to FILE instead of stdout' },
  forward: {
    type: 'boolean', short: 'f',
    help: 'forward the input as v2 on stdout (the report to -o FILE, else a last "stdout" packet)',
  },
} satisfies Record<string, OptionSpec>;

export interface ReportTarget {
  /** Where the report is written. */
  out: Output;
  /** The stream the report is written to (a terminal, or not). */
  stream: Writable & { isTTY?: boolean };
  /** With --forward: every input event, to pass on. */
  forward?: (e: SubunitEvent) => Promise<void> | undefined;
  /** Write everything out, close the file. */
  finish(): Promise<void>;
}

/** `inputs`: the command's input paths, which -o may not name. */
export async function reportTarget(values: Record<string, unknown>, inputs: readonly string[], backend?: BackendName): Promise<ReportTarget> {
  const path = values['output-to'] as string | undefined;
  if (!values.forward) {
    const stream = await outputStream(path, inputs);
    const out = new Output(stream);
    return { out, stream, finish: () => out.close() };
  }
  const passOn = new Output();
  const writer = new V2Writer(passOn, backend);
  const passthrough = !values['no-passthrough'];
  const held: Buffer[] = [];
  const stream = path !== undefined ? await outputStream(path, inputs) : new Writable({ write: (c, _e, done) => done(void held.push(Buffer.from(c))) });
  const out = new Output(stream);
  return {
    out,
    stream,
    // --no-passthrough drops what belongs to no test (chatter, run-level files), as the reference does
    forward: (e) => (!passthrough && e.testId === undefined && e.fileName !== undefined ? undefined : writer.write(e)),
    async finish() {
      await out.close();
      if (path === undefined) await writer.write({ fileName: 'stdout', fileBytes: Buffer.concat(held) });
      await writer.end();
      await passOn.flush();
    },
  };
}
