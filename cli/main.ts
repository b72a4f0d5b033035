#!/usr/bin/env node
// The `subunit` command: dispatch, help, and the one-line error contract:
// `subunit CMD: MESSAGE` on stderr, never a stack trace; exit 1 when the run
// failed, 2 for usage and input errors (cli/errors.ts).
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { SubunitError } from '../bindings/codec/errors.js';
import { UsageError, RunFailure, EXIT_ERROR, EXIT_FAILED } from './errors.js';
import { RunContext } from './failure.js';
import { exitNow, quiesceCompilers } from './exit.js';
import { outputError } from './io.js';
import { optionHelp, listOr, type Command, type ArgToken } from './command.js';

/**
 * The commands in help order, each loaded only when needed: startup time
 * counts (a 256 MiB `subunit mux` takes about as long as starting node).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  json: async () => (await import('./commands/json.js')).json,
  encode: async () => (await import('./commands/encode.js')).encode,
  summary: async () => (await import('./commands/summary.js')).summary,
  mux: async () => (await import('./commands/mux.js')).muxCommand,
  stats: async () => (await import('./commands/stats.js')).stats,
  ls: async () => (await import('./commands/ls.js')).ls,
  csv: async () => (await import('./commands/csv.js')).csv,
  junit: async () => (await import('./commands/junit.js')).junit,
  tags: async () => (await import('./commands/tags.js')).tags,
  filter: async () => (await import('./commands/filter.js')).filter,
  trace: async () => (await import('./commands/trace.js')).trace,
  emit: async () => (await import('./commands/emit.js')).emit,
  '1to2': async () => (await import('./commands/convert.js')).v1to2,
  '2to1': async () => (await import('./commands/convert.js')).v2to1,
  'from-junit': async () => (await import('./commands/fromjunit.js')).fromJunit,
  'from-tap': async () => (await import('./commands/fromtap.js')).fromTap,
  'to-tap': async () => (await import('./commands/totap.js')).toTap,
  serve: async () => (await import('./commands/serve.js')).serve,
  load: async () => (await import('./commands/load.js')).load,
  last: async () => (await import('./commands/last.js')).last,
  failing: async () => (await import('./commands/failing.js')).failing,
  slowest: async () => (await import('./commands/slowest.js')).slowest,
  history: async () => (await import('./commands/history.js')).history,
  flaky: async () => (await import('./commands/flaky.js')).flaky,
  summarize: async () => (await import('./commands/summarize.js')).summarize,
  shard: async () => (await import('./commands/shard.js')).shard,
  merge: async () => (await import('./commands/merge.js')).merge,
  github: async () => (await import('./commands/github.js')).github,
  markdown: async () => (await import('./commands/markdown.js')).markdown,
  html: async () => (await import('./commands/html.js')).html,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function mainHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: subunit COMMAND [OPTIONS] [FILE|-]...',
    '',
    'Subunit v2 test-result streams: decode, encode and summarise.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'subunit COMMAND --help   help for one command',
    'subunit --version        print the version',
    '',
    'exit status: 0 success; 1 the run failed (a test failed or never finished);',
    '2 usage or input error (one line on stderr, after the output of what was read)',
  ].join('\n');
}

/** The help's column for option descriptions; longer option names put theirs on the next line. */
const HELP_COLUMN = 26;

function commandHelp(c: Command): string {
  const line = (names: string, help: string) =>
    names.length + 2 <= HELP_COLUMN ? names.padEnd(HELP_COLUMN) + help : `${names}\n${' '.repeat(HELP_COLUMN)}${help}`;
  const opts = Object.entries(c.options).map(([k, o]) => {
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    return line(`  ${o.short ? `-${o.short}, ` : '    '}--${k}${value}`, optionHelp(o));
  });
  return [`usage: ${c.usage}`, '', c.description, '', 'options:', ...opts, line('  -h, --help', 'show this help')].join('\n');
}

/** parseArgs's error as one line that says what to do. */
function usageMessage(e: Error, command: string): string {
  const first = e.message.split('\n')[0];
  const unknown = /^Unknown option '([^']*)'/.exec(first);
  if (unknown) return `unknown option '${unknown[1]}' (see subunit ${command} --help; a FILE starting with '-' goes after '--')`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(first);
  if (missing) return `${missing[1]} needs a value (see subunit ${command} --help)`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(first);
  if (noValue) return `${noValue[1]} takes no value (see subunit ${command} --help)`;
  return `${first.replace(/\.\s.*$/, '')} (see subunit ${command} --help)`;
}

/** The command being run, for the error line's prefix. */
let current: string | undefined;

async function main(argv: string[], context: RunContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await mainHelp()) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`subunit-wasm ${version()}\n`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}" (see subunit --help)`);
  const command = await COMMANDS[name]();
  current = command.name;
  if (command.rawArgs && rest[0] !== '--help' && rest[0] !== '-h') return command.run({ values: {}, positionals: rest, args: rest, tokens: rest.map((value, index) => ({ kind: 'positional', value, index })), context });
  let parsed;
  try {
    parsed = parseArgs({
      args: command.rewriteArgs ? command.rewriteArgs(rest) : rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } } as never,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    throw new UsageError(usageMessage(e as Error, command.name));
  }
  if ((parsed.values as Record<string, unknown>).help) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  const values = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  for (const [k, o] of Object.entries(command.options)) {
    const given = values[k];
    if (!o.choices || given === undefined) continue;
    if (!(Array.isArray(given) ? given : [given]).every((v) => o.choices!.includes(v as string))) throw new UsageError(`--${k} must be ${listOr(o.choices)}`);
  }
  const tokens: ArgToken[] = [];
  for (const t of parsed.tokens) {
    if (t.kind === 'option') tokens.push({ kind: 'option', name: t.name, value: t.value, index: t.index });
    else if (t.kind === 'positional') tokens.push(t);
  }
  return command.run({ values: values as never, positionals: parsed.positionals, args: rest, tokens, context });
}

const isEpipe = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** The one line for an error, and the exit status. */
function report(e: unknown): number {
  // one line however many ways a failure shows (a write's callback, then the stream's error)
  if (reported) return reported;
  const known = e instanceof SubunitError;
  const message = known ? (e as Error).message : `internal error: ${(e as Error)?.message ?? e}`;
  // a message is one line, whatever it quotes
  process.stderr.write(`subunit${current ? ' ' + current : ''}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return (reported = e instanceof RunFailure ? EXIT_FAILED : EXIT_ERROR);
}
let reported = 0;

// A reader that went away (`subunit json | head`) is not an error: stop quietly.
// Any other failure to write (a full disk) is, even for a command that wrote
// its one line with process.stdout.write and did not wait for it.
process.stdout.on('error', (e: NodeJS.ErrnoException) => exitNow(isEpipe(e) ? 0 : report(outputError(e))));
process.stderr.on('error', () => {});
// Anything that escapes the command (a stream error without a handler) is still one line.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (e: unknown) => exitNow(isEpipe(e) ? 0 : report(e)));
}

const context = new RunContext();
// the compilers quiet first: see exit.ts
main(process.argv.slice(2), context).finally(quiesceCompilers).then(
  (code) => {
    // an input that failed midway: the command wrote what it read; now the error
    const failed = context.failure;
    process.exitCode = failed ? report(failed) : code;
  },
  (e: unknown) => {
    if (isEpipe(e)) process.exit(0);
    process.exitCode = report(e);
  },
);
