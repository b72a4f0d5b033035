// The contract between the codec cores (AssemblyScript and the TypeScript twin)
// and the bindings. Plain constants only, so both compilers (asc and tsc) read
// this one file: the record table written by `scan` and the descriptor read by
// `encode` have exactly one definition.
// Every constant is part of the wasm ABI: assembly/ABI.md lists each with its
// value (test/abi.test.ts checks), and examples/c-host turns the
// `export const NAME = value;` lines into C macros.

/** Largest packet the format can express (3-byte length varint). */
export const MAX_PACKET = 4194303;

/** Window capacity of the scalar and SIMD builds (INPUT_CAPACITY), and of the js core's fill area: one maximum packet plus 1 MiB of new input. */
export const DEFAULT_INPUT_CAPACITY = 5 << 20;

// ---- scan: one record per packet, chatter run or damaged span --------------
export const RECORD_STRIDE = 20; // i32 slots per record
export const RECORD_CAPACITY = 4096; // records per scan call

export const KIND_PACKET = 1;
export const KIND_CHATTER = 2;
export const KIND_ERROR = 3;

// slots (offsets are relative to the start of the scanned window)
export const R_KIND = 0;
export const R_START = 1;
export const R_LENGTH = 2;
export const R_FLAGS = 3; // packet: the 16 flag bits; error: ERR_* code
export const R_SECONDS = 4; // u32 seconds (read with >>> 0); error: detail a
export const R_NANOS = 5; // error: detail b
export const R_TESTID_OFF = 6; // error: detail c
export const R_TESTID_LEN = 7; // error: detail d
export const R_TAGS_OFF = 8; // offset of the first tag's length varint
export const R_TAGS_COUNT = 9;
export const R_MIME_OFF = 10;
export const R_MIME_LEN = 11;
export const R_NAME_OFF = 12;
export const R_NAME_LEN = 13;
export const R_FILE_OFF = 14;
export const R_FILE_LEN = 15;
export const R_ROUTE_OFF = 16;
export const R_ROUTE_LEN = 17;
export const R_TESTID_TEXT = 18; // packet: offset of an ASCII test id's copy in the text area, -1 if none
// packet, with SCAN_VALUE_IDS: per-call ids (1-255; 0: none) of its tag set (bits 0-7), MIME type (8-15),
// file name (16-23) and route code (24-31); packets of one call with the same bytes there share an id
export const R_VALUE_IDS = 19;
// an error record's details a..d (ERR_* below) share the slots of seconds … test id length
export const R_DETAIL_A = 4;
export const R_DETAIL_B = 5;
export const R_DETAIL_C = 6;
export const R_DETAIL_D = 7;

// Text area: each scan call copies the ASCII test ids of its packets there, back
// to back, so a host can decode many with one call and slice (a decoder call
// per string costs more than the string). No id straddles a TEXT_CHUNK
// boundary: a host decodes chunk by chunk (V8 makes strings over ~128 KiB
// 10× slower).
export const TEXT_CAPACITY = 1048576;
export const TEXT_CHUNK = 65536;

// scan state, read and written around each scan call
export const S_NEXT = 0; // where the next call continues
export const S_NEED = 1; // window length needed to go on (0: nothing pending)
export const S_CTX = 2; // up to 3 chatter bytes before S_NEXT, packed little-endian
export const S_CTX_LEN = 3;
export const S_OUT_LEN = 4; // rewrite: bytes written to the output area
export const S_TEXT_LEN = 5; // scan: bytes written to the text area
export const STATE_SLOTS = 6;

// Internal, not part of the ABI: what the header check of a 0xB3 (classify in
// assembly/window.ts and its twin) returns. A result > 0 is a plausible
// header and its claimed length; one below HEADER_CUT means undecided until
// the window holds -result bytes.
export const IMPLAUSIBLE = 0; // ordinary text
export const HEADER_CUT = -1; // plausible, but the stream ends inside the header: its length is unknown

// Flags of scan()/rewrite()'s third argument.
export const SCAN_EOF = 1; // no bytes follow the window
export const SCAN_APPENDED = 2; // the window only grew at its end since the last call: CRC checkpoints stay valid
export const SCAN_VERIFIED = 4; // trust the runs verify() reports: skip the CRC of packets it checked
export const SCAN_VALUE_IDS = 8; // write R_VALUE_IDS (else it is 0)
export const VALUE_ID_MAX = 192; // distinct values per field and call that get an id
export const VALUE_KEY_MAX = 64; // bytes of the longest value that gets an id

// ---- verify: CRC checks on a helper thread (shared-memory build) ------------
// The helper's verify(from, to) walks window [from, to) packet by packet, as
// the scanner does, and reports each run of back-to-back packets whose CRCs
// are right as a (start, end) pair in the runs table (verifyRunsPtr). The
// slots below are i32s of the control block (verifyControlPtr).
export const V_SEQ = 0; // job number the host posted last
export const V_DONE = 1; // job number the helper finished last
export const V_FROM = 2;
export const V_TO = 3;
export const V_ABORT = 4; // nonzero: verify() stops at its next packet
export const V_RUNS = 5; // runs reported so far (the last one may still grow)
export const V_SYNC = 6; // host → scanner: -1 nothing new; >= 0 a job starts there; -2 the runs were cleared
export const VERIFY_SLOTS = 8;
export const RUN_CAPACITY = 65536; // runs per job (then the helper stops)

// flag bits (SUBUNIT-V2.md §3.2)
export const F_TEST_ID = 0x0800;
export const F_ROUTE_CODE = 0x0400;
export const F_TIMESTAMP = 0x0200;
export const F_RUNNABLE = 0x0100;
export const F_TAGS = 0x0080;
export const F_FILE = 0x0040;
export const F_MIME = 0x0020;
export const F_EOF = 0x0010;
export const F_STATUS = 0x0007;
export const VERSION_2 = 0x2000;

// why a plausible packet was rejected (details a..d in the error record)
export const ERR_TRUNCATED = 1; // a: bytes present, b: claimed length
export const ERR_CRC = 2; // a: computed CRC, b: stored CRC
export const ERR_OVERRUN = 3; // a: field, b: offset in packet, c: claimed, d: available
export const ERR_UTF8 = 4; // a: field, b: offset in packet of the bad byte
export const ERR_NUL = 5; // a: field, b: offset in packet of the NUL
export const ERR_TRAILING = 6; // a: unused bytes before the CRC, b: their offset

// field ids used in error details
export const FIELD_TIMESTAMP = 1;
export const FIELD_TEST_ID = 2;
export const FIELD_TAGS = 3;
export const FIELD_MIME = 4;
export const FIELD_FILE_NAME = 5;
export const FIELD_FILE_BYTES = 6;
export const FIELD_ROUTE_CODE = 7;

// ---- encode: descriptor of one event, strings staged in the stage area ------
export const E_FLAGS = 0;
export const E_SECONDS = 1;
export const E_NANOS = 2;
export const E_TESTID_OFF = 3;
export const E_TESTID_LEN = 4;
export const E_TAGS_COUNT = 5; // tag (offset, length) pairs follow at E_TAGS
export const E_MIME_OFF = 6;
export const E_MIME_LEN = 7;
export const E_NAME_OFF = 8;
export const E_NAME_LEN = 9;
export const E_FILE_OFF = 10;
export const E_FILE_LEN = 11;
export const E_ROUTE_OFF = 12;
export const E_ROUTE_LEN = 13;
export const E_OUT_AT = 14; // where in the out area to write the packet (0 unless the host packs several there)
export const E_TAGS = 16;
export const MAX_TAGS = 8192;
export const ENCODE_SLOTS = 16 + 2 * 8192;

/** encode result when the event does not fit in one packet */
export const ENC_TOO_LONG = -1;
/** encode result when the packet does not fit in the out area after E_OUT_AT */
export const ENC_NO_ROOM = -2;

// ---- rewrite: route codes of whole packets (mux / demux) --------------------
export const REWRITE_PREFIX = 1; // add the staged component in front of each route code
export const REWRITE_STRIP = 2; // remove the first route component
export const REWRITE_BY_REF = 4; // or'ed into op: large bodies stay in the window, referenced by segments (G_REF_*)
export const BY_REF_MIN = 4096; // bytes a body needs to be referenced rather than copied
export const MAX_COMPONENT = 255; // bytes of a prefix component
export const WRAP_PIECE = 262144; // chatter bytes per wrapping stdout packet

// one segment per output piece
export const SEG_STRIDE = 9;
export const SEG_CAPACITY = 4096;
export const SEG_PACKET = 1; // a packet with its route code rewritten
export const SEG_CHATTER = 2; // non-subunit bytes: wrapped in stdout packets (prefix) or copied (strip)
export const SEG_UNCHANGED = 3; // a packet copied as is: no route code to strip, or too long to prefix
export const G_KIND = 0;
export const G_OUT = 1; // offset in the output area
export const G_OUT_LEN = 2;
export const G_IN = 3; // offset in the window of the input it came from
export const G_COMP_OFF = 4; // strip: the removed component (window offset, length)
export const G_COMP_LEN = 5;
// by reference: the segment is out[G_OUT, +G_REF_AT) + window[G_REF_IN, +G_REF_LEN) + out[G_OUT + G_REF_AT, G_OUT + G_OUT_LEN)
export const G_REF_IN = 6;
export const G_REF_LEN = 7; // 0: the segment is all in the output area
export const G_REF_AT = 8;
