import type { Core } from '../core.js';
import type { StagedPacket } from '../stage.js';
import { scan, records, state } from './scanner.js';
import { encodePacket } from './encoder.js';
import { crc32 } from './crc32.js';
import { rewrite, segments, out, component as componentArea } from './rewrite.js';

/** The pure-TypeScript backend: scans the caller's bytes in place. */
export const jsCore: Core = {
  name: 'js',
  records,
  state,
  base: 0,
  scan(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number): number {
    return scan(window, window.length, from, eof, ctx, ctxLen);
  },
  segments,
  rewriteOut: out,
  rewrite(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, op: number, component: Uint8Array): number {
    componentArea.set(component);
    return rewrite(window, window.length, from, eof, ctx, ctxLen, op, component.length);
  },
  encode(p: StagedPacket): Uint8Array | null {
    return encodePacket(p);
  },
  crc32(bytes: Uint8Array, crc = 0): number {
    return crc32(crc, bytes);
  },
  reset(): void {},
};
