// The canonical JSON Lines form of events (EVENTS-JSONL.md), both directions.
import { STATUSES, type EventInit, type Status, type SubunitEvent } from '../codec/events.js';
import { fromBase64, toBase64 } from '../codec/base64.js';
import { Timestamp } from '../codec/timestamp.js';
import { InputError } from '../codec/errors.js';

export function eventToJsonLine(e: SubunitEvent): string {
  // written field by field: the same text as JSON.stringify(eventToJSON(e)) without an object per event
  let s = '{';
  const testId = e.testId;
  if (testId !== undefined) s += '"testId":' + JSON.stringify(testId) + ',';
  const status = e.status;
  if (status !== undefined) s += '"status":"' + status + '",';
  const tags = e.tags;
  if (tags !== undefined) s += '"tags":' + JSON.stringify(tags) + ',';
  s += e.runnable ? '"runnable":true' : '"runnable":false';
  const mimeType = e.mimeType;
  if (mimeType !== undefined) s += ',"mimeType":' + JSON.stringify(mimeType);
  const fileName = e.fileName;
  if (fileName !== undefined) s += ',"fileName":' + JSON.stringify(fileName) + ',"fileBytes":"' + base64(e.fileBytes) + '"';
  s += e.eof ? ',"eof":true' : ',"eof":false';
  const routeCode = e.routeCode;
  if (routeCode !== undefined) s += ',"routeCode":' + JSON.stringify(routeCode);
  const timestamp = e.timestamp;
  if (timestamp !== undefined) s += ',"timestamp":"' + isoTime(timestamp) + '"';
  return s + '}';
}

// Node's native base64 of any Uint8Array (as utf8Slice in events.ts); elsewhere the portable one
const nodeBase64Slice = (globalThis as { Buffer?: { prototype: { base64Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer
  ?.prototype.base64Slice;

function base64(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  return nodeBase64Slice ? nodeBase64Slice.call(bytes, 0, bytes.length) : toBase64(bytes);
}

// events of one second share the date and time up to the second: made once per second seen
let isoSecond = -1;
let isoWhole = '';

/** Timestamp.toISOString(), without a Date per event. */
function isoTime(t: Timestamp): string {
  if (t.seconds !== isoSecond) {
    isoSecond = t.seconds;
    isoWhole = t.toISOString().slice(0, 19);
  }
  return `${isoWhole}.${String(t.nanos).padStart(9, '0')}Z`;
}

const STRING_KEYS = ['testId', 'mimeType', 'fileName', 'routeCode'] as const;
const KNOWN = new Set(['testId', 'status', 'tags', 'runnable', 'mimeType', 'fileName', 'fileBytes', 'eof', 'routeCode', 'timestamp']);

/** Parse one line; throws InputError saying what is wrong with it. */
export function eventFromJsonLine(line: string): EventInit {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new InputError(`not JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError('not a JSON object');
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KNOWN.has(k)) throw new InputError(`unknown key "${k}"`);
  const e: EventInit = {};
  for (const k of STRING_KEYS) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== 'string') throw new InputError(`"${k}" must be a string`);
    e[k] = r[k] as string;
  }
  for (const k of ['runnable', 'eof'] as const) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== 'boolean') throw new InputError(`"${k}" must be true or false`);
    e[k] = r[k] as boolean;
  }
  if (r.status !== undefined) {
    if (!STATUSES.includes(r.status as Status)) throw new InputError(`"status" must be one of ${STATUSES.join(', ')}`);
    e.status = r.status as Status;
  }
  if (r.tags !== undefined) {
    if (!Array.isArray(r.tags) || !r.tags.every((t) => typeof t === 'string')) throw new InputError('"tags" must be an array of strings');
    e.tags = r.tags as string[];
  }
  if (r.fileBytes !== undefined) {
    if (typeof r.fileBytes !== 'string') throw new InputError('"fileBytes" must be a base64 string');
    if (e.fileName === undefined) throw new InputError('"fileBytes" without "fileName"');
    e.fileBytes = fromBase64(r.fileBytes);
  }
  if (r.timestamp !== undefined) {
    if (typeof r.timestamp !== 'string') throw new InputError('"timestamp" must be a string');
    e.timestamp = Timestamp.parse(r.timestamp);
  }
  return e;
}
