/**
 * Opens the address `npm start` prints in the user's browser, as the BROWSER variable asks.
 * Whatever BROWSER holds, the worst outcome is a line saying to open the address yourself:
 * npm start never fails, and never stops, because of a browser.
 *
 * What BROWSER may hold (the parts of the xdg-utils and Python `webbrowser` conventions that
 * need no shell):
 *  - unset: `xdg-open` (`open` on macOS) when it is on PATH and there is a display
 *    (DISPLAY or WAYLAND_DISPLAY; always on macOS); otherwise nothing is opened;
 *  - empty, `none` or `false` (any case): nothing is opened (create-react-app's convention);
 *  - commands separated by `:`, tried in order: the next one when a command cannot be started
 *    (not found, not executable) or exits with a non-zero code;
 *  - each command is split on whitespace into a program and its arguments, without a shell:
 *    no quoting, so a program path with spaces or `:` cannot be named. An argument `%s` (or
 *    containing it) gets the address in its place; with no `%s` the address is appended.
 * The browser is the user's: it is started detached and not stopped with npm start.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface BrowserCommand {
  readonly program: string;
  readonly args: readonly string[];
}

export type BrowserChoice =
  /** Open nothing; `reason` completes "not opening a browser: …". */
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'commands'; readonly commands: readonly BrowserCommand[]; readonly source: 'BROWSER' | 'default' };

export interface BrowserEnvironment {
  readonly BROWSER?: string;
  readonly DISPLAY?: string;
  readonly WAYLAND_DISPLAY?: string;
}

const OFF_WORDS = new Set(['', 'none', 'false']);

/** Splits BROWSER into commands (see the file comment). Pure: looks nothing up. */
export function parseBrowserVariable(value: string): BrowserCommand[] {
  return value
    .split(':')
    .map((entry) => entry.trim().split(/\s+/).filter((word) => word !== ''))
    .filter((words) => words.length > 0)
    .map(([program, ...args]) => ({ program, args }));
}

/** The arguments for one command: `%s` replaced by the address, or the address appended. */
export function argumentsFor(command: BrowserCommand, url: string): string[] {
  return command.args.some((arg) => arg.includes('%s'))
    ? command.args.map((arg) => arg.split('%s').join(url))
    : [...command.args, url];
}

/** What to open the address with, from the environment (and, when BROWSER is unset, what is installed). */
export function chooseBrowser(env: BrowserEnvironment, platform: NodeJS.Platform = process.platform, onPath: (program: string) => boolean = isOnPath): BrowserChoice {
  const value = env.BROWSER;
  if (value !== undefined) {
    if (OFF_WORDS.has(value.trim().toLowerCase())) {
      return { kind: 'none', reason: `BROWSER=${value === '' ? '(empty)' : value}` };
    }
    const commands = parseBrowserVariable(value);
    return commands.length > 0 ? { kind: 'commands', commands, source: 'BROWSER' } : { kind: 'none', reason: `BROWSER=${value} names no command` };
  }
  const opener = platform === 'darwin' ? 'open' : 'xdg-open';
  const hasDisplay = platform === 'darwin' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (!hasDisplay) {
    return { kind: 'none', reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  if (!onPath(opener)) {
    return { kind: 'none', reason: `${opener} is not installed` };
  }
  return { kind: 'commands', commands: [{ program: opener, args: [] }], source: 'default' };
}

function isOnPath(program: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

function shown(command: BrowserCommand): string {
  return [command.program, ...command.args].join(' ');
}

/**
 * Opens `url` as `choice` says, writing one line through `say` for each thing that happens:
 * which command was started, or why nothing was (and that the address must be opened by hand).
 * Returns at once; failures of the commands arrive later, through `say`. `stillWanted` is asked
 * before each fallback, so that nothing is started once npm start is stopping.
 */
export function openInBrowser(url: string, choice: BrowserChoice, say: (line: string) => void, stillWanted: () => boolean = () => true): void {
  if (choice.kind === 'none') {
    say(`not opening a browser: ${choice.reason}. Open the address above yourself.`);
    return;
  }
  const label = (command: BrowserCommand) => (choice.source === 'BROWSER' ? `BROWSER command "${shown(command)}"` : shown(command));
  const attempt = (index: number, failures: readonly string[]): void => {
    const command = choice.commands[index];
    let failed = false;
    const next = (why: string) => {
      // Node may report one failed start both as 'error' and through 'exit'; act once.
      if (failed) {
        return;
      }
      failed = true;
      const all = [...failures, `${label(command)} ${why}`];
      if (index + 1 < choice.commands.length && stillWanted()) {
        attempt(index + 1, all);
      } else {
        say(`could not open a browser (${all.join('; ')}). Open the address above yourself.`);
      }
    };
    let child: ChildProcess;
    try {
      child = spawn(command.program, argumentsFor(command, url), { detached: true, stdio: 'ignore' });
    } catch (error) {
      next(`could not start (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    child.once('spawn', () => say(`opening the address with ${label(command)}`));
    child.once('error', (error: NodeJS.ErrnoException) => next(`could not start (${error.code ?? error.message})`));
    child.once('exit', (code, signal) => {
      if (code !== 0 && code !== null) {
        next(`exited with code ${code}`);
      } else if (signal !== null) {
        next(`ended by ${signal}`);
      }
    });
    // The child is the user's browser: it must not keep npm start alive, nor be stopped with it.
    child.unref();
  };
  attempt(0, []);
}
