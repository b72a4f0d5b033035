// The first input that failed while being read, kept per command run until
// the command has written what it read (cli/main.ts then reports it). Light
// on imports: the entry loads it for every command.
import type { InputError } from '../bindings/codec/errors.js';
import type { FillSource } from '../bindings/mux/route.js';
import { asInputError } from './io.js';

/**
 * One command run's input state, made by cli/main.ts for each run and passed
 * to whatever reads inputs. Reading stops at the first input that fails
 * (damaged gzip, a read error); the command finishes its output with what it
 * decoded (the decoder flushes, so a packet cut short becomes a parser
 * error), then cli/main.ts reports `failure` and exits 2.
 */
export class RunContext {
  /** The first input that failed while being read. */
  failure: InputError | undefined;

  /** The chunks of an input, ending early (and recording the failure) instead of throwing. */
  async *guarded(name: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of chunks) yield c;
    } catch (e) {
      this.failure ??= asInputError(e, name);
    }
  }

  /** A FillSource that ends early (recording the failure) instead of throwing. */
  guardedFill(name: string, source: FillSource): FillSource {
    return {
      fill: async (into) => {
        try {
          return await source.fill(into);
        } catch (e) {
          this.failure ??= asInputError(e, name);
          return 0;
        }
      },
      close: () => source.close?.(),
    };
  }
}
