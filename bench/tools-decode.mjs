// One whole-process library pass for bench/tools.mjs:
//   node bench/tools-decode.mjs fields FILE    every field of every event read
//   node bench/tools-decode.mjs results FILE   events folded into per-test results
import { decodeFile } from '../dist/bindings/node.js';
import { TestResults } from '../dist/bindings/index.js';
import { readAllFields } from './fields.mjs';

const [mode, path] = process.argv.slice(2);
let sink = 0;
if (mode === 'fields') {
  for await (const batch of decodeFile(path)) {
    for (const e of batch) sink += readAllFields(e);
  }
} else if (mode === 'results') {
  const results = new TestResults();
  for await (const batch of decodeFile(path)) {
    for (const e of batch) if (results.add(e)) sink++;
  }
  sink += results.end().length;
} else throw new Error(`unknown mode ${mode}`);
if (sink < 0) console.log(sink);
