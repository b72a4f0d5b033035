// events → v2 bytes, through either core.
import type { Core } from './core.js';
import { coreFor, type DecodeOptions } from './decoder.js';
import type { EventInit } from './events.js';
import { stage } from './stage.js';
import { EncodeError } from './errors.js';

export type EncodeOptions = DecodeOptions;

export class Encoder {
  private readonly core: Core;
  constructor(options: EncodeOptions = {}) {
    this.core = coreFor(options.backend);
  }

  /** One packet. Throws EncodeError when the event cannot be one packet. */
  encode(event: EventInit): Uint8Array {
    return this.view(event).slice();
  }

  /** Many events into one buffer. */
  encodeAll(events: Iterable<EventInit>): Uint8Array {
    let buf = new Uint8Array(1 << 16);
    let at = 0;
    for (const e of events) {
      const p = this.view(e);
      if (at + p.length > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, at + p.length));
        grown.set(buf.subarray(0, at));
        buf = grown;
      }
      buf.set(p, at);
      at += p.length;
    }
    return buf.slice(0, at);
  }

  private view(event: EventInit): Uint8Array {
    const packet = this.core.encode(stage(event));
    if (!packet) throw new EncodeError('event does not fit in one packet (4194303 bytes); split the file content');
    return packet;
  }
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

/** Encode one event as one packet. */
export function encode(event: EventInit, options: EncodeOptions = {}): Uint8Array {
  return new Encoder(options).encode(event);
}
