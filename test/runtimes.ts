// Shared by the suites that decode the fixtures in another runtime (Deno,
// Chromium): the same checks as conformance.test.ts, applied to the JSON Lines
// that runtime produced.
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { FIXTURES, normalize, refEvents, type FixtureInfo } from './helpers.js';

/**
 * Clean fixtures: exactly python-subunit's events; damaged ones: their reviewed
 * expected events, byte for byte when decoded whole, up to the cut of chatter
 * when `chunked` (chunk boundaries may only change that).
 */
export function expectConformingEvents(fixture: FixtureInfo, eventLines: string[], chunked = false): void {
  if (fixture.kind === 'damaged') {
    const expected = readFileSync(`${FIXTURES}${fixture.name}.expected.jsonl`, 'utf8');
    if (!chunked) return void expect(eventLines.map((l) => l + '\n').join('')).toBe(expected);
    const parse = (lines: string[]) => normalize(lines.filter(Boolean).map((l) => JSON.parse(l)));
    expect(parse(eventLines)).toEqual(parse(expected.split('\n')));
  } else {
    const ours = normalize(eventLines.map((l) => JSON.parse(l)), { sortTags: true });
    expect(ours).toEqual(normalize(refEvents(fixture.name), { sortTags: true }));
  }
}
