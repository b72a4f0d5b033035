// Per-call value ids (SCAN_VALUE_IDS): a run's tag sets, MIME types, file
// names and route codes are a few distinct byte strings repeated in every
// packet. The scanner numbers the distinct ones of each field in the current
// call while their bytes are in cache, so a host turns each into a value
// once per call and every other packet's field is a load (R_VALUE_IDS).
// No twin: the TypeScript core writes 0 (no id), which hosts must accept.
import { VALUE_ID_MAX, VALUE_KEY_MAX } from './layout';
import { INPUT } from './window';

const FIELDS = 4; // tag set, MIME type, file name, route code (the byte of R_VALUE_IDS)
const SLOTS = 256; // open-addressing slots per field (ids fill at most 3/4)
/** Per field and hash slot: an id, 0 if empty. */
const TABLE: usize = memory.data(FIELDS * SLOTS, 16);
const KEY_SIZE = 24;
/** Per field and id: its first 8 and last 8 bytes (zero-padded below 8), length, window offset. */
const KEYS: usize = memory.data(FIELDS * SLOTS * KEY_SIZE, 16);
const COUNT: usize = memory.data(FIELDS * 4, 16);

/** Forget the last call's values (their offsets are into another window). */
export function resetValues(): void {
  memory.fill(TABLE, 0, FIELDS * SLOTS);
  memory.fill(COUNT, 0, FIELDS * 4);
}

/** The id of input[s, s+len) among this call's values of `field` (0–3), or 0 (too long, or the table is full). */
export function valueId(field: i32, s: i32, len: i32): i32 {
  if (len > VALUE_KEY_MAX) return 0;
  const p = INPUT + <usize>s;
  // the key's first and last word (one word, its bytes past len cleared, up
  // to 8 bytes; the input area has 16 bytes of padding to read into): for
  // keys up to 16 bytes (tag sets of one tag, route codes) comparing the
  // two words is comparing the bytes
  let a: u64, b: u64;
  if (len < 8) {
    a = load<u64>(p) & ((<u64>1 << (<u64>len << 3)) - 1);
    b = 0;
  } else {
    a = load<u64>(p);
    b = load<u64>(p + <usize>(len - 8));
  }
  let slot = <u32>(((a ^ rotl<u64>(b, 29) ^ <u64>len) * 0x9e3779b97f4a7c15) >> 56);
  const table = TABLE + <usize>(field * SLOTS);
  const keys = KEYS + <usize>(field * SLOTS * KEY_SIZE);
  for (let id = <i32>load<u8>(table + <usize>slot); id != 0; id = <i32>load<u8>(table + <usize>slot)) {
    const k = keys + <usize>(id * KEY_SIZE);
    if (load<u64>(k) == a && load<u64>(k, 8) == b && load<i32>(k, 16) == len
      && (len <= 16 || same(INPUT + <usize>load<i32>(k, 20), p, len))) return id;
    slot = (slot + 1) & (SLOTS - 1);
  }
  const counter = COUNT + <usize>(field << 2);
  const id = load<i32>(counter) + 1;
  if (id > VALUE_ID_MAX) return 0;
  store<i32>(counter, id);
  store<u8>(table + <usize>slot, <u8>id);
  const k = keys + <usize>(id * KEY_SIZE);
  store<u64>(k, a);
  store<u64>(k, b, 8);
  store<i32>(k, len, 16);
  store<i32>(k, s, 20);
  return id;
}

/** Whether [a, a+len) and [b, b+len) hold the same bytes (len ≤ VALUE_KEY_MAX: words, then bytes). */
function same(a: usize, b: usize, len: i32): bool {
  let i = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < len; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}
