import { forEachResult, BACKEND_OPTION } from '../source.js';
import { UsageError } from '../errors.js';
import { Output, openInput } from '../io.js';
import { sniffed } from '../source.js';
import { v1ToV2, testToV1 } from '../v1.js';
import { defineCommand } from '../command.js';

export const v1to2 = defineCommand({
  name: '1to2',
  summary: 'convert v1 text to v2, as subunit-1to2',
  usage: 'subunit 1to2 [FILE|-]',
  description:
    'Reads the v1 text protocol and writes v2: test → inprogress, outcomes → final status\n' +
    '(failure and error both → fail), details → file packets (simple details: "traceback", or\n' +
    '"reason" for skips; multipart parts keep their names and types), time: → timestamps (the\n' +
    'current time before any), tags on the final status; progress: is dropped. Lines that are\n' +
    'not v1 are copied unchanged. A test open at the end fails with "lost connection".\n' +
    'Every other command detects v1 input by itself.',
  options: {},
  async run({ context, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one input');
    const input = await openInput(positionals[0] ?? '-');
    const out = new Output();
    // a damaged input ends the conversion where it fails (main reports it)
    for await (const bytes of v1ToV2(context.guarded(input.name, (await sniffed({ name: input.name, chunks: context.guarded(input.name, input.chunks) })).chunks))) {
      await out.write(bytes);
    }
    await out.flush();
    return 0;
  },
});

export const v2to1 = defineCommand({
  name: '2to1',
  summary: 'convert v2 to v1 text, as subunit-2to1',
  usage: 'subunit 2to1 [FILE|-]...',
  description:
    'Writes each test as v1 when it finishes: time:, tags:, test:, time:, the outcome\n' +
    '(successful/failure/skip/xfail/uxsuccess; never finished → failure) with its attachments\n' +
    'as multipart details. Enumeration-only tests are dropped; files that belong to no test\n' +
    '(and non-subunit bytes) are written as they come. Route codes are lost.',
  options: { backend: BACKEND_OPTION },
  async run({ context, values, positionals }) {
    const out = new Output();
    await forEachResult(positionals, values.backend, context, {
      onResult(r) {
        const text = testToV1(r);
        return text ? out.write(text) : undefined;
      },
      onOther: (e) => (e.fileBytes?.length ? out.write(e.fileBytes) : undefined),
    });
    await out.flush();
    return 0;
  },
});
