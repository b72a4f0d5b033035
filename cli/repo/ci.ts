// Reports for CI: GitHub Actions workflow commands for failures, and a
// Markdown summary (totals, failures with their tracebacks folded away, the
// slowest tests) for $GITHUB_STEP_SUMMARY or any CI that renders Markdown.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunCounts, TestResult } from '../../bindings/results/results.js';
import { failureText, isFailure } from './runs.js';

export interface Place {
  file: string;
  line: number;
}

const PYTHON_FRAME = /File "([^"]+)", line (\d+)/g;
// `at f (/src/a.ts:12:5)`, `❯ test/a.test.ts:12:5`, `file:///src/a.js:3:1`, `src/a.c:40: error`
const PATH_LINE = /((?:file:\/\/)?(?:[A-Za-z]:)?[\w.~@+\-/\\]*[\w.-]+\.\w+):(\d+)(?::\d+)?/g;

const INSTALLED = new Set(['node_modules', 'site-packages', 'dist-packages']);

/**
 * Where a failure happened, from its traceback: the innermost Python frame
 * (the last) or the outermost JS/other frame (the first) that lies in the
 * source tree `root`; undefined when no frame does.
 */
export function placeOf(traceback: string, root: string): Place | undefined {
  const inTree = (raw: string): string | undefined => {
    const path = raw.startsWith('file://') ? fileURLToPath(raw) : raw;
    const rel = isAbsolute(path) ? relative(root, path) : path;
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    // installed code inside the tree (node_modules, a virtualenv) is not where the test failed
    if (rel.split(/[\\/]/).some((part) => INSTALLED.has(part))) return undefined;
    return rel.split(sep).join('/');
  };
  const python = [...traceback.matchAll(PYTHON_FRAME)];
  const frames = python.length ? python.reverse() : [...traceback.matchAll(PATH_LINE)];
  for (const m of frames) {
    const file = inTree(m[1]);
    if (file) return { file, line: Number(m[2]) };
  }
  return undefined;
}

/** Workflow command data: %, CR and LF escaped. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Workflow command property values: also : and ,. */
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const MESSAGE_LIMIT = 4000; // characters of traceback per annotation (its end: where the error is)

/** One `::error` workflow command for a failed test. */
export function githubError(r: TestResult, root: string): string {
  const text = failureText(r).trim() || `${r.status}`;
  const place = placeOf(text, root);
  const props = [
    ...(place ? [`file=${escapeProperty(place.file)}`, `line=${place.line}`] : []),
    `title=${escapeProperty(`${r.id} ${r.status === 'fail' ? 'failed' : r.complete ? r.status : 'did not finish'}`)}`,
  ];
  const message = text.length > MESSAGE_LIMIT ? '…' + text.slice(-MESSAGE_LIMIT) : text;
  return `::error ${props.join(',')}::${escapeData(message)}\n`;
}

export interface SummaryOptions {
  /** Failures shown with their traceback (the rest listed by id). */
  failures?: number;
  /** Slowest tests listed. */
  slowest?: number;
  /** Lines of each traceback shown (its end). */
  lines?: number;
}

/** A code block that no backtick run inside can close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}\n`;
}

/** `code` for an id inside a table or summary (backticks and pipes cannot break out). */
function code(s: string): string {
  const ticks = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1;
  const f = '`'.repeat(ticks);
  return `${f}${ticks > 1 ? ' ' : ''}${s.replace(/\|/g, '\\|').replace(/\n/g, ' ')}${ticks > 1 ? ' ' : ''}${f}`;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Markdown job summary of a run. */
export function markdownSummary(results: TestResult[], totals: RunCounts, options: SummaryOptions = {}): string {
  const { failures: shownFailures = 50, slowest = 10, lines = 60 } = options;
  const failed = results.filter(isFailure);
  const time = totals.wallTime === undefined ? '' : `${totals.wallTime.toFixed(2)} s`;
  let md = `## Test results: ${totals.failed ? `${totals.failed} failed` : 'all passed'}\n\n`;
  md += '| Tests | Passed | Failed | Skipped | Time |\n|---:|---:|---:|---:|---:|\n';
  md += `| ${totals.tests} | ${totals.passed} | ${totals.failed} | ${totals.skipped} | ${time} |\n`;
  if (failed.length) {
    md += `\n### Failures\n\n`;
    for (const r of failed.slice(0, shownFailures)) {
      const all = failureText(r).trimEnd().split('\n');
      const tail = all.length > lines ? ['…', ...all.slice(-lines)] : all;
      md += `<details><summary><code>${escapeHtml(r.id)}</code> — ${r.complete ? r.status : 'did not finish'}</summary>\n\n`;
      md += (tail.join('\n').trim() ? fenced(tail.join('\n')) : '(no traceback)\n') + '\n</details>\n\n';
    }
    if (failed.length > shownFailures) md += `… and ${failed.length - shownFailures} more: ${failed.slice(shownFailures).map((r) => code(r.id)).join(', ')}\n\n`;
  }
  const timed = results.filter((r) => r.duration !== undefined && r.status !== 'exists').sort((a, b) => b.duration! - a.duration! || (a.id < b.id ? -1 : 1));
  if (timed.length && slowest > 0) {
    md += `\n### Slowest tests\n\n| Test | Seconds |\n|---|---:|\n`;
    for (const r of timed.slice(0, slowest)) md += `| ${code(r.id)} | ${r.duration!.toFixed(3)} |\n`;
  }
  return md;
}

/** The source tree annotations are relative to: --root, else $GITHUB_WORKSPACE, else the current directory. */
export function sourceRoot(given: string | undefined): string {
  return resolve(given ?? process.env.GITHUB_WORKSPACE ?? '.');
}
