export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
  /** The value's name in the help (`--with REGEXP`); VALUE when not given. */
  value?: string;
  help: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** Take the arguments as given (e.g. `-TAG` is not an option); only a first --help is special. */
  rawArgs?: boolean;
  /** Rewrite the arguments before parsing (e.g. options that take two values). */
  rewriteArgs?(args: string[]): string[];
  /** `args`: the raw arguments after the command name (for commands where order matters). */
  run(args: { values: Record<string, unknown>; positionals: string[]; args: string[] }): Promise<number>;
}
