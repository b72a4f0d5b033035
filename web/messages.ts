// Everything the page and its decoding Worker say to each other, in one place.
import type { Attachment, FinalStatus, RunCounts } from '../bindings/results/results.js';

export type { Attachment };

/** One test as the page shows it (the Worker keeps the full record). */
export interface TestRow {
  /** Its row, in order of first event: the page's id for the test. */
  index: number;
  id: string;
  /** Route code: the worker that ran the test ('' when unrouted). */
  route: string;
  /** Before its final status: `inprogress` (running) or `unknown` (no status yet). */
  status: FinalStatus;
  /** Milliseconds since the epoch of its first timestamp and of its final status (NaN when absent). */
  start: number;
  end: number;
  tags: readonly string[];
  /** How many files are attached (the bytes stay in the Worker until asked for). */
  attachments: number;
}

export interface SourceProgress {
  name: string;
  bytes: number;
  /** Expected size when known (Content-Length, file size): for estimates. */
  total?: number;
  gzip: boolean;
  done: boolean;
  error?: string;
}

/** A run to read: a URL of this server (sent with its token) or a file the user gave the page. */
export type Source = { name: string; url: string } | { name: string; file: File };

/** Page → Worker. */
export type Request =
  | { type: 'open'; generation: number; sources: Source[]; token?: string }
  | { type: 'attachments'; index: number };

/** Worker → page, at most a few times a second. */
export interface Update {
  type: 'update';
  generation: number;
  /** New or changed rows (new ones in index order). */
  rows: TestRow[];
  totals: RunCounts;
  /** Chatter text that arrived since the last update, per route code. */
  chatter: Record<string, string>;
  sources: SourceProgress[];
}

/** Worker → page: the files of the test at `index`, joined. */
export interface AttachmentsReply {
  type: 'attachments';
  index: number;
  attachments: Attachment[];
}

export type Reply = Update | AttachmentsReply;

/** The page's header carrying the server's token on every API request. */
export const TOKEN_HEADER = 'x-subunit-token';
