// The wasm module's exports: numbers and pointers only (see assembly/ABI.md).
export { crc32 } from './crc32';
export { scan, recordsPtr, textPtr } from './scanner';
export { inputPtr, statePtr, INPUT_CAPACITY } from './window';
export { encode, stagePtr, outPtr, encodePtr, STAGE_CAPACITY } from './encoder';
export { rewrite, rewriteOutPtr, segmentsPtr, componentPtr, REWRITE_CAPACITY } from './rewrite';
