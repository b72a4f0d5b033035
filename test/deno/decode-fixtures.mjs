// Runs in Deno with no permissions at all: fixtures arrive on stdin
// (framed: u32 name length, name, u32 byte length, bytes — little endian),
// and events go to stdout as one JSON line per fixture and backend. The
// package's universal entry is imported exactly as built, unbundled.
import { decodeStream, eventToJsonLine } from '../../dist/bindings/index.js';

const input = new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
const view = new DataView(input.buffer);
const out = Deno.stdout.writable.getWriter();
const text = new TextEncoder();

// first line: what this process may do, so the suite can check it is nothing
const permissions = Object.fromEntries(
  ['read', 'write', 'net', 'env', 'run', 'ffi', 'sys', 'import'].map((name) => [name, Deno.permissions.querySync({ name }).state]),
);
await out.write(text.encode(JSON.stringify({ permissions }) + '\n'));

for (let at = 0; at < input.length; ) {
  const nameLength = view.getUint32(at, true);
  const name = new TextDecoder().decode(input.subarray(at + 4, at + 4 + nameLength));
  at += 4 + nameLength;
  const length = view.getUint32(at, true);
  const bytes = input.slice(at + 4, at + 4 + length);
  at += 4 + length;
  for (const backend of ['wasm', 'js']) {
    // through a WHATWG stream in 64 KiB chunks, as a file or socket would deliver it
    const events = [];
    for await (const batch of decodeStream(new Blob([bytes]).stream(), { backend })) {
      for (const e of batch) events.push(eventToJsonLine(e));
    }
    await out.write(text.encode(JSON.stringify({ name, backend, events }) + '\n'));
  }
}
await out.close();
