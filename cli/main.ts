#!/usr/bin/env node
// The `subunit` command: dispatch, help, and the one-line error contract
// (never a stack trace; exit 2 for usage, 1 for bad input or failed runs).
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { SubunitError } from '../bindings/errors.js';
import type { Command } from './command.js';
import { json } from './commands/json.js';
import { encode } from './commands/encode.js';
import { summary } from './commands/summary.js';
import { stats } from './commands/stats.js';
import { ls } from './commands/ls.js';
import { csv } from './commands/csv.js';
import { junit } from './commands/junit.js';
import { tags } from './commands/tags.js';
import { filter } from './commands/filter.js';
import { trace } from './commands/trace.js';
import { emit } from './commands/emit.js';
import { v1to2, v2to1 } from './commands/convert.js';
import { muxCommand } from './commands/mux.js';
import { fromJunit } from './commands/fromjunit.js';
import { serve } from './commands/serve.js';

const COMMANDS: Command[] = [json, encode, summary, muxCommand, stats, ls, csv, junit, tags, filter, trace, emit, v1to2, v2to1, fromJunit, serve];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: subunit COMMAND [OPTIONS] [FILE|-]...',
    '',
    'Subunit v2 test-result streams: decode, encode and summarise.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'subunit COMMAND --help   help for one command',
    'subunit --version        print the version',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => `  --${k}${o.type === 'string' ? ' VALUE' : ''}`.padEnd(24) + o.help);
  return [`usage: ${c.usage}`, '', c.description, '', 'options:', ...opts, '  --help'.padEnd(24) + 'show this help'].join('\n');
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`subunit-wasm ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (see subunit --help)`);
  if (command.rawArgs && rest[0] !== '--help' && rest[0] !== '-h') return command.run({ values: {}, positionals: rest, args: rest });
  let parsed;
  try {
    parsed = parseArgs({
      args: command.rewriteArgs ? command.rewriteArgs(rest) : rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } } as never,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message.split('\n')[0]}`);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  const backend = (parsed.values as Record<string, unknown>).backend;
  if (backend !== undefined && backend !== 'wasm' && backend !== 'js') throw new UsageError(`${name}: --backend must be wasm or js`);
  return command.run({ ...(parsed as { values: Record<string, unknown>; positionals: string[] }), args: rest });
}

// A reader that went away (`subunit json | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const usage = e instanceof UsageError;
    const known = usage || e instanceof SubunitError;
    const message = known ? (e as Error).message : `internal error: ${(e as Error)?.message ?? e}`;
    process.stderr.write(`subunit: ${message}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
