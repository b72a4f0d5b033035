export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
  help: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** `args`: the raw arguments after the command name (for commands where order matters). */
  run(args: { values: Record<string, unknown>; positionals: string[]; args: string[] }): Promise<number>;
}
