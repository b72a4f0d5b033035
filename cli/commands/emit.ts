import { UsageError } from '../errors.js';
import { STATUSES, type EventInit, type Status } from '../../bindings/codec/events.js';
import { Timestamp } from '../../bindings/codec/timestamp.js';
import { Output, openInput } from '../io.js';
import { V2Writer } from '../v2out.js';
import { defineCommand, type OptionSpec } from '../command.js';

/** Bytes of file content per packet: well under the 4194303-byte packet limit. */
const CHUNK = 1 << 20;
const FINAL = new Set<Status>(['success', 'uxsuccess', 'skip', 'fail', 'xfail']);

const statusOptions = Object.fromEntries(
  STATUSES.map((s) => [s, { type: 'string', multiple: true, value: 'ID', help: `report test ID as ${s}` } satisfies OptionSpec]),
) as Record<Status, { type: 'string'; multiple: true; value: string; help: string }>;

/** The current time at the clock's full precision (a Date has only milliseconds). */
function now(): Timestamp {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return new Timestamp(seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6)));
}

/** The file's bytes in CHUNK-sized pieces (at least one, possibly empty). */
async function* pieces(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = Buffer.alloc(0);
  let any = false;
  for await (const c of chunks) {
    buf = buf.length ? Buffer.concat([buf, c]) : Buffer.from(c);
    while (buf.length >= CHUNK) {
      yield buf.subarray(0, CHUNK);
      any = true;
      buf = buf.subarray(CHUNK);
    }
  }
  if (buf.length || !any) yield buf;
}

export const emit = defineCommand({
  name: 'emit',
  summary: 'write one test status or file as v2, as subunit-output',
  usage: 'subunit emit [--STATUS ID] [--attach-file FILE|-] [--file-name NAME] [--mimetype TYPE] [--tag TAG]...',
  description:
    'Writes packets for shell scripts that report tests: --inprogress ID, --success ID,\n' +
    '--fail ID, --skip ID, --xfail ID, --uxsuccess ID or --exists ID, optionally with a file\n' +
    'attached (--attach-file; "-" is stdin, named "stdin"), sent in 1 MiB chunks, the last with\n' +
    'eof. The first packet has the current time (full precision), the tags and the MIME type; a\n' +
    'final status goes on the last packet, inprogress/exists on the first. A file without a\n' +
    'status is a run-level file; with neither (or only --tag), one packet with the time and\n' +
    'the tags, as subunit-output writes. One status only: a second (even the same option\n' +
    'twice) is refused, exit 2, as subunit-output does.',
  options: {
    ...statusOptions,
    'attach-file': { type: 'string', value: 'FILE', help: 'attach this file ("-" = stdin)' },
    'file-name': { type: 'string', value: 'NAME', help: 'name of the attachment (default: the path, or "stdin")' },
    mimetype: { type: 'string', value: 'TYPE', help: 'MIME type of the attachment' },
    tag: { type: 'string', multiple: true, value: 'TAG', help: 'a tag (repeatable)' },
  },
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (a test id follows a status option)`);
    // as subunit-output: one status, given once (`--fail t --fail u` is refused too)
    const given = STATUSES.flatMap((s) => (values[s] ?? []).map((id) => `--${s} ${id}`));
    if (given.length > 1) throw new UsageError(`only one status may be given, not ${given.join(' and ')}`);
    const status = STATUSES.find((s) => values[s] !== undefined);
    const testId = status ? values[status]?.[0] : undefined;
    const path = values['attach-file'];
    if (path === undefined && (values['file-name'] !== undefined || values.mimetype !== undefined)) {
      throw new UsageError('--file-name and --mimetype need --attach-file');
    }
    const tags = values.tag;
    const out = new Output();
    const writer = new V2Writer(out);
    const first: EventInit = { testId, timestamp: now(), tags: tags?.length ? tags : undefined };
    if (status && !FINAL.has(status)) first.status = status;
    if (path === undefined) {
      // no status either: the bare packet subunit-output writes (the time, and the tags if any)
      await writer.write({ ...first, status });
    } else {
      const input = await openInput(path);
      const fileName = values['file-name'] ?? (path === '-' ? 'stdin' : path);
      let packet: EventInit | undefined = { ...first, mimeType: values.mimetype };
      let pending: Uint8Array | undefined;
      // hold one piece back to know which is last (it carries eof and the final status)
      for await (const piece of pieces(input.chunks)) {
        if (pending) {
          await writer.write({ ...(packet ?? { testId }), fileName, fileBytes: pending });
          packet = undefined;
        }
        pending = piece;
      }
      await writer.write({
        ...(packet ?? { testId }), fileName, fileBytes: pending, eof: true,
        ...(status && FINAL.has(status) ? { status } : {}),
      });
    }
    await out.flush();
    return 0;
  },
});
