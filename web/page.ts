// What the page's modules share: the run as the page knows it, and how a test is written.
import { isFailed, isUnfinished } from '../bindings/outcome.js'; // not results.js: the page needs no codec
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
