// Writing events back out as v2 packets (tools whose output is a stream).
import { Encoder } from '../bindings/encoder.js';
import type { EventInit, SubunitEvent } from '../bindings/events.js';
import type { BackendName } from '../bindings/core.js';
import type { Output } from './io.js';

/** The fields of an event as encoder input, with some replaced. */
export function eventInit(e: SubunitEvent | EventInit, changes: Partial<EventInit> = {}): EventInit {
  return {
    testId: e.testId, status: e.status, tags: e.tags, runnable: e.runnable, mimeType: e.mimeType,
    fileName: e.fileName, fileBytes: e.fileBytes, eof: e.eof, routeCode: e.routeCode, timestamp: e.timestamp,
    ...changes,
  };
}

/** Encodes events into an Output. Chatter becomes "stdout" file packets, as python-subunit forwards it. */
export class V2Writer {
  private readonly encoder: Encoder;
  constructor(private readonly out: Output, backend?: BackendName) {
    this.encoder = new Encoder({ backend });
  }
  write(e: SubunitEvent | EventInit, changes?: Partial<EventInit>): Promise<void> {
    return this.out.write(this.encoder.encode(changes ? eventInit(e, changes) : e));
  }
}
