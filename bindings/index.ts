// subunit-wasm: the universal entry (Node, Deno, browsers; no Node built-ins).
export { Decoder, decode, decodeAll, type DecodeOptions } from './decoder.js';
export { init, coreFor } from './backend.js';
export { Encoder, encode, type EncodeOptions } from './encoder.js';
export { concat } from './bytes.js';
export { decodeStream, DecoderStream, EncoderStream, encodeStream, chunksOf, type ByteSource } from './streams.js';
export { STATUSES, statusName, eventToJSON, toPlainEvent, type SubunitEvent, type EventInit, type Status, type EventSource } from './events.js';
export { eventToJsonLine, eventFromJsonLine } from './jsonl.js';
export { Timestamp } from './timestamp.js';
export { toBase64, fromBase64 } from './base64.js';
export { SubunitError, EncodeError, InputError } from './errors.js';
export type { BackendName, Core } from './core.js';
export { TestResults, TestAggregator, testResults, RunSummary, testKey, isFailed, isUnfinished, finalStatus, secondsBetween, workerOf, type TestResult, type TestRecord, type Attachment, type FinalStatus, type ResultsOptions, type AggregatorOptions, type RunCounts } from './results.js';
export { RoutePrefixer, Router, mux, demux, routeComponent, type MuxInput, type FillSource, type RewriteOptions, type RoutedBytes } from './route.js';
