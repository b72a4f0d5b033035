// events → v2 bytes, through either core. File content that does not fit in
// one packet is split over consecutive packets (python-subunit refuses it).
import { MAX_PACKET, F_EOF, F_STATUS, F_FILE } from '../../assembly/layout.js';
import type { Core } from './core.js';
import { coreFor, type BackendOptions } from './backend.js';
import type { EventInit } from './events.js';
import { stage, emptyStagedPacket, type StagedPacket } from './stage.js';
import { packetLength, fixedFields } from './size.js';
import { EncodeError } from './errors.js';
import { concat } from './bytes.js';

export type EncodeOptions = BackendOptions;

/** The most file bytes one packet of this event can carry (-1: not even none). */
function maxPiece(p: StagedPacket): number {
  if (packetLength(p, 0) < 0) return -1;
  let lo = 0;
  let hi = MAX_PACKET;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (packetLength(p, mid) >= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function tooBig(p: StagedPacket): EncodeError {
  const parts: [string, number][] = [
    ['test id', p.testIdLen], ['tags', p.tagLens.slice(0, p.tags.length).reduce((a, b) => a + b, 0)], ['MIME type', p.mimeLen],
    ['file name', p.nameLen], ['route code', p.routeLen],
  ];
  const [field, len] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return new EncodeError(
    `event does not fit in a packet: its fields other than the file content take ${fixedFields(p)} bytes ` +
      `(the ${field} alone ${len}), over the ${MAX_PACKET}-byte packet limit`,
  );
}

export class Encoder {
  private readonly core: Core;
  /** Staged into for every event (no allocation per event). */
  private readonly staged = emptyStagedPacket();
  constructor(options: EncodeOptions = {}) {
    this.core = coreFor(options.backend);
  }

  /**
   * The packets of one event: one, or — when its file content does not fit in
   * one — several consecutive ones with the same test id, route code, file
   * name, MIME type, tags, timestamp and runnable flag, each carrying as much
   * of the bytes as fits; eof and the status only on the last. Throws
   * EncodeError when the other fields alone exceed a packet.
   */
  encode(event: EventInit): Uint8Array {
    const p = stage(event, this.staged);
    const size = packetLength(p);
    if (size >= 0) {
      this.write(p, 0);
      return this.core.encoded.slice(0, size);
    }
    const plan = split(p);
    const out = new Uint8Array(plan.size);
    let at = 0;
    for (let i = 0; i < plan.count; i++) {
      const n = this.piece(plan, i, 0);
      out.set(this.core.encoded.subarray(0, n), at);
      at += n;
    }
    return out;
  }

  /**
   * The most file bytes one packet of this event can carry (its other fields
   * as given). A producer streaming a large file sends pieces of this size to
   * get the fewest packets without holding the file. Throws EncodeError when
   * the other fields alone fill a packet.
   */
  maxFileBytes(event: EventInit): number {
    const p = stage({ ...event, fileName: event.fileName ?? '', fileBytes: undefined });
    const n = maxPiece(p);
    if (n <= 0) throw tooBig(p);
    return n;
  }

  /**
   * Many events into one buffer. The core packs packets side by side in its
   * out area, which is copied out when full: a copy per MiBs, not per packet.
   */
  encodeAll(events: Iterable<EventInit>): Uint8Array {
    // an iterable is drained first: making its next event could encode on the same core
    const list = Array.isArray(events) ? (events as readonly EventInit[]) : [...events];
    const area = this.core.encoded;
    const full: Uint8Array[] = []; // copies of the area each time it filled up
    let at = 0; // bytes packed in the area
    /** Copy the area out if `size` more bytes do not fit after what it holds. */
    const room = (size: number) => {
      if (at + size <= area.length) return;
      full.push(area.slice(0, at));
      at = 0;
    };
    for (const e of list) {
      const p = stage(e, this.staged);
      const size = packetLength(p);
      if (size >= 0) {
        room(size);
        at += this.write(p, at);
        continue;
      }
      const plan = split(p);
      for (let i = 0; i < plan.count; i++) {
        room(MAX_PACKET);
        at += this.piece(plan, i, at);
      }
    }
    full.push(area.slice(0, at));
    return concat(full);
  }

  /** Write packet i of a plan at the core's out area[at …]; returns its length. */
  private piece(plan: Plan, i: number, at: number): number {
    const { p, bytes, piece, count } = plan;
    const final = i === count - 1;
    // the status would end the test before the rest arrives, eof would end the file
    p.flags = final ? plan.flags : plan.flags & ~(F_EOF | F_STATUS);
    p.fileBytes = bytes.subarray(i * piece, final ? bytes.length : (i + 1) * piece);
    return this.write(p, at);
  }

  /** One packet at the core's out area[at …], its length known to fit; returns the length. */
  private write(p: StagedPacket, at: number): number {
    const n = this.core.encode(p, at);
    if (n < 0) throw new EncodeError(`event does not fit in one packet (${MAX_PACKET} bytes)`); // unreachable: sizes are checked first
    return n;
  }
}

/** How an event too big for one packet is cut: `count` packets of `piece` file bytes (the last takes the rest), `size` bytes in all. */
function split(p: StagedPacket): Plan {
  const piece = p.flags & F_FILE ? maxPiece(p) : -1;
  if (piece <= 0) throw tooBig(p);
  const bytes = p.fileBytes;
  const count = Math.ceil(bytes.length / piece);
  const size = (count - 1) * packetLength(p, piece) + packetLength(p, bytes.length - (count - 1) * piece);
  return { p, flags: p.flags, bytes, piece, count, size };
}

interface Plan {
  p: StagedPacket;
  flags: number;
  bytes: Uint8Array;
  piece: number;
  count: number;
  size: number;
}

/** Encode one event: one packet, or several when its file content needs them (see Encoder.encode). */
export function encode(event: EventInit, options: EncodeOptions = {}): Uint8Array {
  return new Encoder(options).encode(event);
}
