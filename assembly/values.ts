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
/** Per field and id: where its first occurrence is in the window (offset, length). */
const KEYS: usize = memory.data(FIELDS * SLOTS * 8, 16);
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
  // the length and four sampled bytes, as the bindings' ByteCache: values of
  // one field differ at their ends or in their length (worker-3, worker-12)
  let h: u32 = <u32>len;
  if (len > 0) {
    h ^= (<u32>load<u8>(p) << 8) ^ (<u32>load<u8>(p + <usize>(len >> 1)) << 16) ^ (<u32>load<u8>(p + <usize>(len - 1)) << 4);
    if (len > 1) h ^= <u32>load<u8>(p + <usize>(len - 2)) << 24;
  }
  let slot = (h * 0x9e3779b1) >> 24;
  const table = TABLE + <usize>(field * SLOTS);
  const keys = KEYS + <usize>(field * SLOTS * 8);
  while (true) {
    const id = <i32>load<u8>(table + <usize>slot);
    if (id == 0) break;
    const k = keys + (<usize>id << 3);
    if (load<i32>(k, 4) == len && same(INPUT + <usize>load<i32>(k), p, len)) return id;
    slot = (slot + 1) & (SLOTS - 1);
  }
  const counter = COUNT + <usize>(field << 2);
  const id = load<i32>(counter) + 1;
  if (id > VALUE_ID_MAX) return 0;
  store<i32>(counter, id);
  store<u8>(table + <usize>slot, <u8>id);
  const k = keys + (<usize>id << 3);
  store<i32>(k, s);
  store<i32>(k, len, 4);
  return id;
}

/** Whether [a, a+len) and [b, b+len) hold the same bytes (len ≤ VALUE_KEY_MAX: words, then bytes). */
function same(a: usize, b: usize, len: i32): bool {
  let i = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < len; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}
