import { SCAN_EOF, SCAN_APPENDED } from '../../assembly/layout.js';
import type { Core } from '../codec/core.js';
import type { StagedPacket } from '../codec/stage.js';
import { scan, records, state, text } from './scanner.js';
import { encodePacket, out as encoded } from './encoder.js';
import { crc32 } from './crc32.js';
import { rewrite, segments, out, component as componentArea } from './rewrite.js';

// The window of the last call: while the caller only appends to it (and has
// not called reset), the scanner's CRC checkpoints stay valid.
let last: Uint8Array | null = null;

function flags(window: Uint8Array, eof: boolean): number {
  const appended = last !== null && window.buffer === last.buffer && window.byteOffset === last.byteOffset && window.length >= last.length;
  last = window;
  return (eof ? SCAN_EOF : 0) | (appended ? SCAN_APPENDED : 0);
}

/** The pure-TypeScript backend: scans the caller's bytes in place. */
export const jsCore: Core = {
  name: 'js',
  records,
  state,
  text,
  base: 0,
  scan(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number): number {
    return scan(window, window.length, from, flags(window, eof), ctx, ctxLen);
  },
  segments,
  rewriteOut: out,
  rewrite(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, op: number, component: Uint8Array): number {
    componentArea.set(component);
    return rewrite(window, window.length, from, flags(window, eof), ctx, ctxLen, op, component.length);
  },
  encoded,
  encode(p: StagedPacket, at = 0): number {
    return encodePacket(p, at);
  },
  crc32(bytes: Uint8Array, crc = 0): number {
    return crc32(crc, bytes);
  },
  reset(): void {
    last = null;
  },
  inputArea: null,
};
