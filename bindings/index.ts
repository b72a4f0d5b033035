// subunit-wasm: the universal entry (Node, Deno, browsers; no Node built-ins).
export { Decoder, decode, decodeAll, type DecodeOptions } from './codec/decoder.js';
export { init, coreFor } from './codec/backend.js';
export { Encoder, encode, type EncodeOptions } from './codec/encoder.js';
export { concat } from './codec/bytes.js';
export { decodeStream, DecoderStream, EncoderStream, encodeStream, chunksOf, type ByteSource } from './adapters/streams.js';
export { STATUSES, statusName, eventToJSON, toPlainEvent, type SubunitEvent, type EventInit, type Status, type EventSource } from './codec/events.js';
export { eventToJsonLine, eventFromJsonLine } from './adapters/jsonl.js';
export { Timestamp } from './codec/timestamp.js';
export { toBase64, fromBase64 } from './codec/base64.js';
export { SubunitError, EncodeError, InputError } from './codec/errors.js';
export type { BackendName, Core } from './codec/core.js';
export { TestResults, TestAggregator, testResults, RunSummary, testKey, isFailed, isUnfinished, finalStatus, secondsBetween, workerOf, type TestResult, type TestRecord, type Attachment, type FinalStatus, type ResultsOptions, type AggregatorOptions, type RunCounts } from './results/results.js';
export { RoutePrefixer, Router, mux, demux, routeComponent, type MuxInput, type FillSource, type RewriteOptions, type RoutedBytes } from './mux/route.js';
