// A test worker for the mux tests: emits subunit for the test ids in argv,
// some chatter and stderr, echoes what arrives on its stdin as an attachment
// of test "<name>.stdin", and exits with $EXIT_CODE (leaving test "<name>.hang"
// in progress when $HANG is set).
import { encode } from '../../dist/bindings/index.js';

const [name, ...tests] = process.argv.slice(2);
const out = (b) => process.stdout.write(b);
out(`chatter from ${name} ó\n`);
process.stderr.write(`stderr from ${name}\n`);
for (const t of tests) {
  out(encode({ testId: `${name}.${t}`, status: 'inprogress' }));
  out(encode({ testId: `${name}.${t}`, status: 'success', tags: [`worker-${name}`] }));
}
if (process.env.HANG) out(encode({ testId: `${name}.hang`, status: 'inprogress' }));
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const got = Buffer.concat(chunks);
if (got.length) {
  out(encode({ testId: `${name}.stdin`, fileName: 'echo', fileBytes: got, eof: true }));
  out(encode({ testId: `${name}.stdin`, status: 'success' }));
}
process.exitCode = Number(process.env.EXIT_CODE ?? 0);
