/**
 * One run of `npm start` (or of its compiled demo) as a terminal runs it: in a process group of
 * its own, so that an interrupt reaches every process of the group, as Ctrl+C does. Its output
 * is kept to wait on; a TreeSampler records what it starts; every process it starts inherits a
 * marker in its environment, so that what escaped the tree is found too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { isPortInUse } from '../lab/ports';
import { isAlive, listenerOf, processesWithEnvironment, type SeenProcess, TreeSampler } from './process-tree';

export const REPO = path.resolve(__dirname, '..', '..', '..');

const MARKER_NAME = 'IMMUTA_START_TEST_RUN';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class DemoRun {
  readonly marker = `${MARKER_NAME}=${randomBytes(8).toString('hex')}`;
  readonly sampler: TreeSampler;
  readonly startedAt = Date.now();
  private output = '';
  private exit: Exit | undefined;
  private readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly watchers: (() => void)[] = [];

  /** Starts `command args` in the repository with `env` over this process's environment (no display). */
  constructor(command: string, args: readonly string[], env: Readonly<Record<string, string>>) {
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      // Nothing of this run may reach the registry: npm would look for its own updates.
      npm_config_update_notifier: 'false',
      ...env,
      [MARKER_NAME]: this.marker.slice(MARKER_NAME.length + 1),
    };
    delete environment.DISPLAY;
    delete environment.WAYLAND_DISPLAY;
    this.child = spawn(command, args, { cwd: REPO, env: environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) {
      throw new Error(`could not start ${command}`);
    }
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const watcher of this.watchers) {
        watcher();
      }
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      // 'close': the process has exited and so has every other holder of its output (a demo
      // left behind by a killed parent keeps writing to it).
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.sampler = new TreeSampler(this.child.pid);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  text(): string {
    return this.output;
  }

  private tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).map((line) => `    | ${line}`).join('\n');
  }

  /**
   * Resolves with the first match of `pattern` in the output, as soon as it is written; fails
   * when the run exits first or after `timeoutMs`, showing the output's end.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error, match?: RegExpExecArray) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.watchers.splice(this.watchers.indexOf(check), 1);
        if (error) {
          reject(error);
        } else {
          resolve(match as RegExpExecArray);
        }
      };
      const check = () => {
        const match = pattern.exec(this.output);
        if (match) {
          finish(undefined, match);
        } else if (this.exit) {
          finish(new Error(`the run exited (${this.exit.code ?? this.exit.signal}) before printing ${pattern}; its output ended:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs / 1000} s; the output ends:\n${this.tail()}`)), timeoutMs);
      this.watchers.push(check);
      void this.exited.then(check);
      check();
    });
  }

  /** Stops reading the run's standard output, as `npm start | head` does: its next write fails (EPIPE). */
  closeOutput(): void {
    this.child.stdout?.destroy();
  }

  /** Ctrl+C as a terminal sends it: SIGINT to every process of the run's group. */
  interrupt(): void {
    process.kill(-this.pid, 'SIGINT');
  }

  /** The exit of the process started (and of all that shares its output), within `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the run did not exit within ${timeoutMs / 1000} s; its output ends:\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What of this run is still there: processes seen or marked, and ports that still accept. */
  async leftovers(): Promise<string[]> {
    this.sampler.sample();
    const alive = new Map<string, SeenProcess>();
    for (const seen of [...this.sampler.processes().filter(isAlive), ...processesWithEnvironment(this.marker)]) {
      alive.set(`${seen.pid}/${seen.startTime}`, seen);
    }
    const found = [...alive.values()].map((seen) => `process ${seen.pid}: ${seen.command}`);
    const ours = new Set([...alive.values()].map((seen) => seen.pid));
    for (const [port, listener] of this.sampler.ports()) {
      if (await isPortInUse(port)) {
        const now = listenerOf(port);
        // Another program (another test run, on this shared machine) may have the number now.
        if (now === undefined || ours.has(now) || processesWithEnvironment(this.marker).some((seen) => seen.pid === now)) {
          found.push(`port ${port} (was ${listener}) still accepts connections`);
        }
      }
    }
    return found;
  }

  /** Waits until nothing of this run is left; fails after `timeoutMs` naming what still is. */
  async waitUntilNothingLeft(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await this.leftovers();
      if (left.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`${timeoutMs / 1000} s after the run ended, still there:\n  ${left.join('\n  ')}\nIts output ended:\n${this.tail()}`);
      }
      await delay(100);
    }
  }

  /** For after a failed test: Ctrl+C, then SIGKILL for whatever of this run is left (by pid). */
  async forceStop(): Promise<void> {
    if (!this.exit) {
      try {
        this.interrupt();
      } catch {
        // the group is gone
      }
      await this.waitForExit(20_000).catch(() => undefined);
    }
    this.sampler.stop();
    const targets = [...this.sampler.processes().filter(isAlive), ...processesWithEnvironment(this.marker)];
    for (const seen of targets) {
      try {
        process.kill(seen.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
