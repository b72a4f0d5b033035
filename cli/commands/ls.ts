import { forEachRecord, BACKEND_OPTION } from '../source.js';
import { finalStatus, isFailed } from '../../bindings/results/results.js';
import type { Timestamp } from '../../bindings/codec/timestamp.js';
import { Output } from '../io.js';
import { pyDuration, shownOn } from '../format.js';
import { defineCommand } from '../command.js';

export const ls = defineCommand({
  name: 'ls',
  summary: 'list the tests of a run, as subunit-ls',
  usage: 'subunit ls [--times] [--exists] [--no-passthrough] [FILE|-]...',
  description:
    'Prints the id of every test that ran, in the order they finished; with --times, its\n' +
    'duration in seconds; with --exists, also tests that were only enumerated. Non-test\n' +
    'output is copied through unless --no-passthrough. Exit status 1 when a test failed.',
  options: {
    times: { type: 'boolean', help: 'show each test\'s duration in seconds' },
    exists: { type: 'boolean', help: 'also list tests reported as existing' },
    'no-passthrough': { type: 'boolean', help: 'hide non-test output' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const out = new Output();
    const shown = shownOn(process.stdout);
    let failed = false;
    let now: Timestamp | undefined; // the stream's clock, for tests it never finished
    await forEachRecord(positionals, values.backend, context, {
      attachments: false,
      keepsNoEvents: true,
      onBatchEnd(batch) {
        // the last timestamp of the batch (one Timestamp made per batch, not per event)
        for (let i = batch.length - 1; i >= 0; i--) {
          const t = batch[i].timestamp;
          if (t) return void (now = t);
        }
      },
      onRecord(t) {
        const status = finalStatus(t);
        if (isFailed(status)) failed = true;
        // subunit-ls prints no empty ids
        if (t.id === '' || (status === 'exists' && !values.exists)) return;
        if (!values.times) return out.write(`${shown(t.id)}\n`);
        const seconds = status === 'exists' ? 0 : pyDuration(t.start, t.finished ? t.stop : now);
        return out.write(`${shown(t.id)} ${seconds.toFixed(3)}\n`);
      },
      onOther: values['no-passthrough'] ? undefined : (e) => (e.fileBytes?.length ? out.write(e.fileBytes) : undefined),
    });
    await out.flush();
    return failed ? 1 : 0;
  },
});
