// The first input that failed while being read, kept until the command has
// written what it read (cli/main.ts then reports it). Light on imports: the
// entry loads it for every command.
import type { InputError } from '../bindings/errors.js';
import type { FillSource } from '../bindings/route.js';
import { asInputError } from './io.js';

/**
 * The first input that failed while being read (damaged gzip, a read error).
 * Reading stops there; the command finishes its output with what it decoded
 * (the decoder flushes, so a packet cut short becomes a parser error), then
 * cli/main.ts reports this error and exits 2.
 */
let failure: InputError | undefined;

export function inputFailure(): InputError | undefined {
  return failure;
}

/** The chunks of an input, ending early (and recording the failure) instead of throwing. */
export async function* guarded(name: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of chunks) yield c;
  } catch (e) {
    failure ??= asInputError(e, name);
  }
}

/** A FillSource that ends early (recording the failure) instead of throwing. */
export function guardedFill(name: string, source: FillSource): FillSource {
  return {
    async fill(into) {
      try {
        return await source.fill(into);
      } catch (e) {
        failure ??= asInputError(e, name);
        return 0;
      }
    },
    close: () => source.close?.(),
  };
}
