/**
 * Small helpers for the child processes the harness starts: a command whose output goes to a
 * log file while a progress line is printed now and then, and an environment without the
 * network guard (for the install steps, which must reach the package registries).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export type Log = (line: string) => void;

const exitCleanups = new Set<() => void>();

/**
 * Registers synchronous clean-up (kill a process group, remove a temp dir) to run if this process
 * exits before the normal stop: an uncaught error, process.exit from a signal handler. Returns the
 * function that unregisters it, for the normal path.
 */
export function onExitCleanUp(cleanUp: () => void): () => void {
  if (exitCleanups.size === 0 && process.listeners('exit').every((listener) => listener !== runExitCleanups)) {
    process.on('exit', runExitCleanups);
  }
  exitCleanups.add(cleanUp);
  return () => exitCleanups.delete(cleanUp);
}

function runExitCleanups(): void {
  for (const cleanUp of exitCleanups) {
    try {
      cleanUp();
    } catch {
      // best effort: the process is exiting
    }
  }
  exitCleanups.clear();
}

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
}

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Output of the command is appended here (it is usually long). */
  readonly logFile: string;
  /** What the progress lines call the command. */
  readonly title: string;
  readonly log: Log;
  /** Seconds between "still running" lines; 0 for none. */
  readonly progressEvery?: number;
}

/** Runs a command to completion, writing its output to `logFile`. Never throws for a non-zero exit. */
export function runLogged(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  fs.appendFileSync(options.logFile, `\n$ ${command} ${args.join(' ')}\n`);
  const out = fs.openSync(options.logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', out, out],
    });
    const forget = onExitCleanUp(() => child.kill('SIGKILL'));
    const every = options.progressEvery ?? 15;
    const timer =
      every > 0
        ? setInterval(() => options.log(`  … ${options.title}: still running after ${seconds(Date.now() - started)}`), every * 1000)
        : undefined;
    const finish = () => {
      forget();
      if (timer) {
        clearInterval(timer);
      }
      fs.closeSync(out);
    };
    child.once('error', (error) => {
      finish();
      reject(error);
    });
    child.once('close', (code, signal) => {
      finish();
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
}

/** Seconds with one decimal, for progress and timing lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The environment without this project's network guard in NODE_OPTIONS: install steps talk to
 * the npm registry (the one outside host allowed here), which the guard would refuse.
 */
export function withoutNetworkGuard(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  const options = (copy.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((part) => part !== '')
    .reduce<string[]>((kept, part, index, all) => {
      const previous = all[index - 1];
      const isGuard = /network-guard(\.js)?$/.test(part);
      if (isGuard && (previous === '--require' || previous === '-r')) {
        kept.pop();
        return kept;
      }
      if (isGuard && /^--require=/.test(part)) {
        return kept;
      }
      kept.push(part);
      return kept;
    }, []);
  if (options.length > 0) {
    copy.NODE_OPTIONS = options.join(' ');
  } else {
    delete copy.NODE_OPTIONS;
  }
  delete copy.NETWORK_GUARD_LOG;
  return copy;
}

/** The last `lines` lines of a log file, indented, for error messages. */
export function tail(file: string, lines = 25): string {
  try {
    const all = fs.readFileSync(file, 'utf8').split('\n');
    return all
      .slice(-lines)
      .map((line) => `    ${line}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}

/**
 * The environment for an npm of our own (the cache installs): no network guard, and nothing of
 * the npm that runs us (`npm test`, `npm start`). That npm passes its whole configuration down as
 * npm_config_* variables, which the inner npm would take as its own: its user agent, for one,
 * names Node 20, and code-server 4.139's postinstall reads the Node version from it.
 */
export function forOwnNpm(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = withoutNetworkGuard(env);
  for (const key of Object.keys(copy)) {
    if (/^npm_/i.test(key)) {
      delete copy[key];
    }
  }
  return copy;
}
