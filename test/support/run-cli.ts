/**
 * Runs the built command-line runner (`node dist/cli.js …`) as CI would, under the network guard
 * like every test process, and returns what it printed and its exit code.
 *
 * The child gets only the environment the test gives (plus PATH, HOME and the guard's log), so a
 * secret variable of the outer shell never leaks into a test that expects none. Its stdin is a
 * pipe, never a terminal, so it never prompts.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const CLI_PATH = path.resolve(__dirname, '../../../dist/cli.js');
const GUARD = path.resolve(__dirname, 'network-guard.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly cwd: string;
  /** Added to PATH, HOME and NETWORK_GUARD_LOG; nothing else of this process's environment is passed. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  /** Kills the child (SIGKILL) after this long and rejects with what it had printed; default 60 s. */
  readonly timeoutMs?: number;
  /** Called with the child once it runs (e.g. to send it SIGINT when its output shows a state). */
  readonly onStarted?: (child: { kill(signal: NodeJS.Signals): boolean; readonly pid?: number }, output: () => { stdout: string; stderr: string }) => void;
}

export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.NETWORK_GUARD_LOG !== undefined ? { NETWORK_GUARD_LOG: process.env.NETWORK_GUARD_LOG } : {}),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', GUARD, CLI_PATH, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dist/cli.js ${args.join(' ')} did not end within ${timeoutMs} ms.\nstdout so far:\n${stdout}\nstderr so far:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
    options.onStarted?.(child, () => ({ stdout, stderr }));
  });
}
