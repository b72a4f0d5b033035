// The one interface both codec cores implement. Records and state are views
// owned by the core and valid until its next call.
import type { StagedPacket } from './stage.js';

export type BackendName = 'wasm' | 'js';

export interface Core {
  readonly name: BackendName;
  /** Record table written by scan (layout in assembly/layout.ts). */
  readonly records: Int32Array;
  /** [next, need, ctx, ctxLen, outLen, textLen] after scan, positions relative to `base`. */
  readonly state: Int32Array;
  /** Text area written by scan: the ASCII test ids, back to back (R_TESTID_TEXT). */
  readonly text: Uint8Array;
  /** Offset in the window that record offsets and state are relative to. */
  readonly base: number;
  /**
   * Index window[from …]. `eof`: no bytes will follow the window. ctx/ctxLen:
   * the chatter bytes just before `from`. Returns the number of records.
   * `ids`: ask for R_VALUE_IDS (a core may still write 0: the js core does).
   */
  scan(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, ids?: boolean): number;
  /**
   * Rewrite route codes in window[from …]: op REWRITE_PREFIX puts `component`
   * in front of each packet's route code, REWRITE_STRIP removes the first
   * component. Returns the number of segments; the output is
   * rewriteOut[0, state[S_OUT_LEN]) (valid until the next call).
   */
  rewrite(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, op: number, component: Uint8Array): number;
  /** Segment table written by rewrite (layout in assembly/layout.ts). */
  readonly segments: Int32Array;
  readonly rewriteOut: Uint8Array;
  /** The out area encode writes packets to (valid until the next call that writes there). */
  readonly encoded: Uint8Array;
  /**
   * Write one packet at encoded[at …] (a caller may pack many side by side);
   * returns its length, or ENC_TOO_LONG when the event does not fit in one
   * packet, or ENC_NO_ROOM when the packet does not fit in the area from `at`.
   */
  encode(p: StagedPacket, at?: number): number;
  crc32(bytes: Uint8Array, crc?: number): number;
  /** Forget any cached copy of the caller's bytes (they may be refilled). */
  reset(): void;
  /**
   * Memory the core reads from, when it copies windows into memory of its
   * own (wasm): a window that starts at the start of this area is not copied.
   * Null for a core that reads the caller's bytes in place (js).
   */
  readonly inputArea: Uint8Array | null;
}
