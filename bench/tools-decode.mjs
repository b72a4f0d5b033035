// One whole-process library pass for bench/tools.mjs:
//   node bench/tools-decode.mjs fields FILE    every field of every event read
//   node bench/tools-decode.mjs results FILE   events folded into per-test results
import { decodeFile, TestResults } from '../dist/bindings/node.js';

const [mode, path] = process.argv.slice(2);
let sink = 0;
if (mode === 'fields') {
  for await (const batch of decodeFile(path)) {
    for (const e of batch) {
      // what python-subunit and subunit-js materialise per event
      sink += (e.testId?.length ?? 0) + (e.status?.length ?? 0) + (e.tags?.length ?? 0) + (e.mimeType?.length ?? 0);
      sink += (e.fileName?.length ?? 0) + (e.fileBytes?.length ?? 0) + (e.routeCode?.length ?? 0) + (e.timestamp?.nanos ?? 0);
      sink += (e.runnable ? 1 : 0) + (e.eof ? 1 : 0);
    }
  }
} else if (mode === 'results') {
  const results = new TestResults();
  for await (const batch of decodeFile(path)) {
    for (const e of batch) if (results.add(e)) sink++;
  }
  sink += results.end().length;
} else throw new Error(`unknown mode ${mode}`);
if (sink < 0) console.log(sink);
