// EventInit → the flag bits and UTF-8 bytes both encoder cores consume.
import {
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_RUNNABLE, F_TAGS, F_FILE, F_MIME, F_EOF, VERSION_2, MAX_TAGS,
} from '../assembly/layout.js';
import { STATUSES, type EventInit } from './events.js';
import { EncodeError } from './errors.js';
import { Timestamp } from './timestamp.js';

export interface StagedPacket {
  flags: number;
  seconds: number;
  nanos: number;
  testId?: Uint8Array;
  tags?: Uint8Array[];
  mimeType?: Uint8Array;
  fileName?: Uint8Array;
  fileBytes?: Uint8Array;
  routeCode?: Uint8Array;
}

const utf8 = new TextEncoder();

function text(value: string, what: string): Uint8Array {
  if (value.includes('\0')) throw new EncodeError(`${what} contains a NUL character, which no decoder accepts`);
  if (!value.isWellFormed()) throw new EncodeError(`${what} contains a lone surrogate and cannot be UTF-8`);
  return utf8.encode(value);
}

export function stage(e: EventInit): StagedPacket {
  let flags = VERSION_2;
  const p: StagedPacket = { flags: 0, seconds: 0, nanos: 0 };
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
    p.testId = text(e.testId, 'test id');
  }
  if (e.tags !== undefined && e.tags.length > 0) {
    // like the reference encoder: an empty tag list writes no tags field
    if (e.tags.length > MAX_TAGS) throw new EncodeError(`too many tags (${e.tags.length} > ${MAX_TAGS})`);
    flags |= F_TAGS;
    p.tags = e.tags.map((t) => text(t, 'tag'));
  }
  if (e.mimeType !== undefined && e.mimeType !== '') {
    flags |= F_MIME;
    p.mimeType = text(e.mimeType, 'MIME type');
  }
  if (e.fileName !== undefined) {
    flags |= F_FILE;
    p.fileName = text(e.fileName, 'file name');
    p.fileBytes = e.fileBytes ?? new Uint8Array(0);
  }
  if (e.routeCode !== undefined) {
    flags |= F_ROUTE_CODE;
    p.routeCode = text(e.routeCode, 'route code');
  }
  p.flags = flags;
  return p;
}
