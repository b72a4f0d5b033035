// events → v2 bytes, through either core. File content that does not fit in
// one packet is split over consecutive packets (python-subunit refuses it).
import { MAX_PACKET, F_EOF, F_STATUS, F_FILE, F_TIMESTAMP, F_TEST_ID, F_TAGS, F_MIME, F_ROUTE_CODE } from '../assembly/layout.js';
import type { Core } from './core.js';
import { coreFor, type DecodeOptions } from './decoder.js';
import type { EventInit } from './events.js';
import { stage, type StagedPacket } from './stage.js';
import { EncodeError } from './errors.js';

export type EncodeOptions = DecodeOptions;

const varintSize = (v: number) => (v < 64 ? 1 : v < 16384 ? 2 : v < 4194304 ? 3 : 4);
const stringSize = (len: number) => varintSize(len) + len;

/** The packet length of a staged event with `fileLen` bytes of file content (the cores' arithmetic), or -1 when over MAX_PACKET. */
export function packetLength(p: StagedPacket, fileLen = p.fileBytes.length): number {
  const base = 1 + 2 + fixedFields(p) + (p.flags & F_FILE ? stringSize(fileLen) : 0) + 4;
  const total = base <= 62 ? base + 1 : base <= 16381 ? base + 2 : base <= MAX_PACKET - 3 ? base + 3 : -1;
  return total;
}

/** Bytes of every field except the file content. */
function fixedFields(p: StagedPacket): number {
  const f = p.flags;
  let body = 0;
  if (f & F_TIMESTAMP) body += 4 + varintSize(p.nanos);
  if (f & F_TEST_ID) body += stringSize(p.testIdLen);
  if (f & F_TAGS) {
    body += varintSize(p.tags.length);
    for (const len of p.tagLens) body += stringSize(len);
  }
  if (f & F_MIME) body += stringSize(p.mimeLen);
  if (f & F_FILE) body += stringSize(p.nameLen);
  if (f & F_ROUTE_CODE) body += stringSize(p.routeLen);
  return body;
}

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
    ['test id', p.testIdLen], ['tags', p.tagLens.reduce((a, b) => a + b, 0)], ['MIME type', p.mimeLen],
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
    const plan = this.plan(event);
    if (plan.count === 1) return this.piece(plan, 0).slice();
    const out = new Uint8Array(plan.size);
    let at = 0;
    for (let i = 0; i < plan.count; i++) {
      const view = this.piece(plan, i);
      out.set(view, at);
      at += view.length;
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

  /** Many events into one buffer. */
  encodeAll(events: Iterable<EventInit>): Uint8Array {
    let buf = new Uint8Array(1 << 16);
    let at = 0;
    for (const e of events) {
      const plan = this.plan(e);
      if (at + plan.size > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, at + plan.size));
        grown.set(buf.subarray(0, at));
        buf = grown;
      }
      for (let i = 0; i < plan.count; i++) {
        const view = this.piece(plan, i);
        buf.set(view, at);
        at += view.length;
      }
    }
    return buf.slice(0, at);
  }

  /** How an event is cut: `count` packets of `piece` file bytes (the last takes the rest), `size` bytes in all. */
  private plan(event: EventInit): Plan {
    const p = stage(event);
    const whole = packetLength(p);
    if (whole >= 0) return { p, flags: p.flags, bytes: p.fileBytes, piece: p.fileBytes.length, count: 1, size: whole };
    const piece = p.flags & F_FILE ? maxPiece(p) : -1;
    if (piece <= 0) throw tooBig(p);
    const bytes = p.fileBytes;
    const count = Math.ceil(bytes.length / piece);
    const size = (count - 1) * packetLength(p, piece) + packetLength(p, bytes.length - (count - 1) * piece);
    return { p, flags: p.flags, bytes, piece, count, size };
  }

  /** Packet i of a plan, as a view of the core's output (valid until the next call). */
  private piece(plan: Plan, i: number): Uint8Array {
    const { p, bytes, piece, count } = plan;
    const final = i === count - 1;
    // the status would end the test before the rest arrives, eof would end the file
    p.flags = final ? plan.flags : plan.flags & ~(F_EOF | F_STATUS);
    p.fileBytes = count === 1 ? bytes : bytes.subarray(i * piece, final ? bytes.length : (i + 1) * piece);
    const view = this.core.encode(p);
    if (!view) throw new EncodeError(`event does not fit in one packet (${MAX_PACKET} bytes)`); // unreachable: sizes are checked in plan()
    return view;
  }
}

interface Plan {
  p: StagedPacket;
  flags: number;
  bytes: Uint8Array;
  piece: number;
  count: number;
  size: number;
}

export function concat(parts: Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encode one event: one packet, or several when its file content needs them (see Encoder.encode). */
export function encode(event: EventInit, options: EncodeOptions = {}): Uint8Array {
  return new Encoder(options).encode(event);
}
