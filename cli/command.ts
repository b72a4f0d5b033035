import type { RunContext } from './failure.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
  /** The value's name in the help (`--with REGEXP`); VALUE when not given. */
  value?: string;
  /** The values a string option accepts: cli/main.ts rejects any other, and the help lists them after `help`. */
  choices?: readonly string[];
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The value parseArgs gives one option, typed from its spec (choices narrow a string). */
type OptionValue<S extends OptionSpec> =
  (S extends { type: 'boolean' } ? boolean : S extends { choices: readonly (infer C)[] } ? C : string) extends infer V
    ? S extends { multiple: true } ? V[] : V
    : never;
type WithDefault<O extends OptionSpecs> = { [K in keyof O]: O[K] extends { default: string | boolean } ? K : never }[keyof O];

export type OptionValues<O extends OptionSpecs> = string extends keyof O
  ? Record<string, unknown> // a command of unknown options (the registry's view)
  : { -readonly [K in WithDefault<O>]: OptionValue<O[K]> } & { -readonly [K in Exclude<keyof O, WithDefault<O>>]?: OptionValue<O[K]> };

/** One item of the parse, in command-line order (parseArgs's tokens, for commands where order matters). */
export type ArgToken =
  | { kind: 'option'; name: string; value: string | undefined; index: number }
  | { kind: 'positional'; value: string; index: number };

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: O;
  /** Take the arguments as given (e.g. `-TAG` is not an option); only a first --help is special. */
  rawArgs?: boolean;
  /** Rewrite the arguments before parsing (e.g. options that take two values). */
  rewriteArgs?(args: string[]): string[];
  /**
   * `args`: the raw arguments after the command name; `tokens`: the parsed
   * options and positionals in command-line order (for commands where order matters);
   * `context`: this run's input state (the first input that failed), for whatever reads inputs.
   */
  run(args: { values: OptionValues<O>; positionals: string[]; args: string[]; tokens: ArgToken[]; context: RunContext }): Promise<number>;
}

/** A command whose `run` gets `values` typed from its option specs. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** An option's help text, with its allowed values when it has choices ("codec backend: wasm (default) or js"). */
export function optionHelp(o: OptionSpec): string {
  if (!o.choices) return o.help;
  return `${o.help}: ${listOr(o.choices.map((c) => (c === o.default ? `${c} (default)` : c)))}`;
}

/** "a", "a or b", "a, b or c". */
export function listOr(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** --backend, the same for every command that decodes or encodes. */
export const BACKEND_OPTION = { type: 'string', default: 'wasm', choices: ['wasm', 'js'], help: 'codec backend' } as const satisfies OptionSpec;
