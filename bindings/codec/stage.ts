// EventInit → the flag bits, validated strings and their UTF-8 lengths that
// both encoder cores consume.
import {
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_RUNNABLE, F_TAGS, F_FILE, F_MIME, F_EOF, VERSION_2, MAX_TAGS,
} from '../../assembly/layout.js';
import { STATUSES, type EventInit } from './events.js';
import { EncodeError } from './errors.js';
import { Timestamp } from './timestamp.js';
import { utf8Length } from './utf8.js';

export interface StagedPacket {
  flags: number;
  seconds: number;
  nanos: number;
  testId: string;
  tags: readonly string[];
  mimeType: string;
  fileName: string;
  fileBytes: Uint8Array;
  routeCode: string;
  /** UTF-8 byte lengths of the strings above (0 when absent); tagLens[i] for i < tags.length (the array is reused, so it may be longer) */
  testIdLen: number;
  tagLens: number[];
  mimeLen: number;
  nameLen: number;
  routeLen: number;
}

const EMPTY = new Uint8Array(0);
const NO_TAGS: readonly string[] = [];

/** A StagedPacket with no fields, to stage into. */
export function emptyStagedPacket(): StagedPacket {
  return {
    flags: 0, seconds: 0, nanos: 0, testId: '', tags: [], mimeType: '', fileName: '', fileBytes: EMPTY, routeCode: '',
    testIdLen: 0, tagLens: [], mimeLen: 0, nameLen: 0, routeLen: 0,
  };
}

/** Stage an event: into `p` when given (an encoder reuses one: no allocation per event), else a new one. */
export function stage(e: EventInit, p: StagedPacket = emptyStagedPacket()): StagedPacket {
  let flags = VERSION_2;
  p.seconds = p.nanos = p.testIdLen = p.mimeLen = p.nameLen = p.routeLen = 0;
  p.testId = p.mimeType = p.fileName = p.routeCode = '';
  p.tags = NO_TAGS;
  p.fileBytes = EMPTY;
  if (e.status !== undefined) {
    const bits = STATUSES.indexOf(e.status) + 1;
    if (bits === 0) throw new EncodeError(`unknown status ${JSON.stringify(e.status)}`);
    flags |= bits;
  }
  if (e.runnable ?? true) flags |= F_RUNNABLE;
  if (e.eof) flags |= F_EOF;
  if (e.timestamp !== undefined) {
    const t = e.timestamp instanceof Timestamp ? e.timestamp : Timestamp.fromDate(e.timestamp);
    if (!(t.seconds >= 0 && t.seconds <= 0xffffffff) || !Number.isInteger(t.seconds) || !Number.isInteger(t.nanos)) {
      throw new EncodeError(`timestamp ${t} is outside 1970-01-01 … 2106-02-07`);
    }
    flags |= F_TIMESTAMP;
    p.seconds = t.seconds;
    p.nanos = t.nanos;
  }
  if (e.testId !== undefined) {
    flags |= F_TEST_ID;
    p.testIdLen = utf8Length((p.testId = e.testId), 'test id');
  }
  // like the reference encoder: an empty tag list writes no tags field
  if (e.tags !== undefined && e.tags.length > 0) {
    if (e.tags.length > MAX_TAGS) throw new EncodeError(`too many tags (${e.tags.length} > ${MAX_TAGS})`);
    flags |= F_TAGS;
    p.tags = e.tags;
    for (let i = 0; i < e.tags.length; i++) p.tagLens[i] = utf8Length(e.tags[i], 'tag');
  }
  // like the reference encoder: an empty MIME type is left out
  if (e.mimeType !== undefined && e.mimeType !== '') {
    flags |= F_MIME;
    p.mimeLen = utf8Length((p.mimeType = e.mimeType), 'MIME type');
  }
  if (e.fileName !== undefined) {
    flags |= F_FILE;
    p.nameLen = utf8Length((p.fileName = e.fileName), 'file name');
    p.fileBytes = e.fileBytes ?? EMPTY;
  }
  if (e.routeCode !== undefined) {
    flags |= F_ROUTE_CODE;
    p.routeLen = utf8Length((p.routeCode = e.routeCode), 'route code');
  }
  p.flags = flags;
  return p;
}
