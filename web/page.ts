// What the page's modules share: the run as the page knows it, and how a test is written.
import { isFailed, isUnfinished } from '../bindings/results/outcome.js'; // not results.js: the page needs no codec
import type { TestRow } from './messages.js';

export const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;

export const run = {
  /** By index; holes until the Worker sends them. */
  rows: [] as TestRow[],
  /** The index of the test shown in the details (-1: none). */
  selected: -1,
  /** Every input has ended: unfinished tests are failed, no longer running. */
  allDone: false,
};

/** Failed as `subunit stats` counts it; a test still unfinished in a live run is running, not failed (yet). */
export const failed = (r: TestRow) => isFailed(r.status) && (run.allDone || !isUnfinished(r.status));

export const duration = (r: TestRow) => r.end - r.start;
export const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s` : '');
export const workerName = (route: string) => (route === '' ? '—' : route);

/** A trailing parameter part — testscenarios' "(scenario)", pytest's "[param]" — whose dots and colons name no class. */
const PARAMETERS = /(\([^()]*\)|\[[^\[\]]*\])$/;

/**
 * A test's class, as subunit2html groups by it: the id up to its last "::"
 * when it has one (pytest, Jest, node:test ids: "file.py::Class::test"), else
 * up to its last "." (unittest ids: "pkg.module.Class.test"); a trailing
 * parameter part is not searched. An id with neither has no class ('').
 */
export function testClass(id: string): string {
  const name = id.replace(PARAMETERS, '');
  const colons = name.lastIndexOf('::');
  if (colons >= 0) return name.slice(0, colons);
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(0, dot) : '';
}
