// The CLI's error kinds and exit statuses. Every error is reported as one line,
// `subunit CMD: MESSAGE`, never a stack trace:
//   0  success
//   1  the run failed: a test failed or never finished (commands that report
//      results: stats, ls, csv, junit, trace), a mux worker failed
//   2  usage errors (bad arguments) and input errors (missing, unreadable or
//      damaged input, an invalid JSON line); results read before the error are
//      still written
import { SubunitError } from '../bindings/codec/errors.js';

export const EXIT_FAILED = 1;
export const EXIT_ERROR = 2;

/** Bad arguments: exit 2. */
export class UsageError extends SubunitError {
  override name = 'UsageError';
}

/** The run itself failed (e.g. a worker process died): exit 1, with a message. */
export class RunFailure extends SubunitError {
  override name = 'RunFailure';
}
