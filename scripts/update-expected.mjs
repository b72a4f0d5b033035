// Write fixtures/NAME.expected.jsonl for the damaged fixtures: our decoder's
// events under the documented damage rules. Review the diff before committing.
// Run after `npm run build`.
import { readFileSync, writeFileSync } from 'node:fs';
import { decode, eventToJsonLine } from '../dist/bindings/index.js';

const manifest = JSON.parse(readFileSync('fixtures/MANIFEST.json', 'utf8'));
for (const { name, kind } of manifest) {
  if (kind !== 'damaged') continue;
  const bytes = new Uint8Array(readFileSync(`fixtures/${name}.subunit`));
  let out = '';
  for (const e of decode(bytes, { backend: 'js' })) out += eventToJsonLine(e) + '\n';
  writeFileSync(`fixtures/${name}.expected.jsonl`, out);
}
