#!/usr/bin/env node
/**
 * The command-line runner, dist/cli.js (`immuta-worksheets check …`): policy checks in CI with
 * the extension's own engine, and no `vscode` anywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../common/logger';
import { parseArgs, USAGE } from './args';
import { runCheckCommand } from './check-command';
import { CliError, UsageError } from './errors';
import { printable, useColor } from './reporter';
import { terminalPrompter } from './secrets';

// snowflake-sdk looks for cloud metadata servers when it loads unless told not to; it is loaded
// (from dist/platforms/snowflake.js) only after this line has run.
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';

function version(): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Warnings and errors of the engine on stderr; everything with IMMUTA_WORKSHEETS_LOG=debug. The engine never hands a logger secrets. */
function stderrLogger(debug: boolean): Logger {
  const write = (level: string) => (message: string) => process.stderr.write(`[${level}] ${printable(message)}\n`);
  const off = () => undefined;
  return { debug: debug ? write('debug') : off, info: debug ? write('info') : off, warn: write('warn'), error: write('error') };
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`immuta-worksheets: ${error.message}\nRun "immuta-worksheets --help" for the options.\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nStopping: closing the sessions (Ctrl-C again to quit at once)…\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    return await runCheckCommand(command.options, {
      cwd: process.cwd(),
      env: process.env,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      color: useColor(process.stdout, process.env),
      prompt: terminalPrompter(process.stdin, process.stderr),
      platformsFolder: path.join(__dirname, 'platforms'),
      signal: controller.signal,
      logger: stderrLogger(process.env.IMMUTA_WORKSHEETS_LOG === 'debug'),
    });
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`immuta-worksheets: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`immuta-worksheets: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Drivers keep sockets alive in their agents; the run is over once the output is out.
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`immuta-worksheets: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
