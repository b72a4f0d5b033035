/** Base class of every error this package throws. */
export class SubunitError extends Error {
  override name = 'SubunitError';
}

/** An event that cannot be written as a packet (too long, NUL in a string, out-of-range value). */
export class EncodeError extends SubunitError {
  override name = 'EncodeError';
}

/** Input that is not what it claims to be, with where it happened. */
export class InputError extends SubunitError {
  override name = 'InputError';
  constructor(
    message: string,
    /** The input's name (file path, "-", URL), when known. */
    readonly source?: string,
    /** Byte offset, or line number for line-oriented input. */
    readonly position?: number,
  ) {
    super(message);
  }
}
