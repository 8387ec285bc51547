/**
 * Starts VS Code's server build (from code-server's package, without code-server's wrapper CLI,
 * which rejects the extension development options) on 127.0.0.1, with every folder it or its
 * extension host may write to fresh under one temp dir, and stops it with its whole process
 * group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Log, onExitCleanUp } from './child';
import type { VsCodeServer } from './install';

export interface StartServerOptions {
  readonly server: VsCodeServer;
  /** Added to the server's environment; the extension host inherits it. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log: Log;
  /** How long to wait for `GET /version` (default 30 s). */
  readonly startTimeoutMs?: number;
  /** User settings, over DEFAULT_SETTINGS. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * For a server people open by hand (not tests): require this token (`?tkn=` on the first
   * page load) instead of `--without-connection-token`.
   */
  readonly connectionToken?: string;
  /**
   * 'disabled' (default): `--disable-workspace-trust`, every folder is trusted. 'enforced': the
   * server honours Workspace Trust, so a folder it does not trust opens in Restricted Mode (pair
   * it with the settings `security.workspace.trust.enabled: true` and `startupPrompt: 'never'`).
   */
  readonly workspaceTrust?: 'disabled' | 'enforced';
}

/**
 * User settings for a quiet, offline test workbench: nothing checks for updates, recommends,
 * experiments or opens a welcome page, and the AI features (1.139) stay off.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  // Nor does the extension's Get Started walkthrough open by itself (the UI tier and `npm start`
  // turn it back on: the UI tier tests it, and a new user meets it).
  'immutaWorksheets.walkthrough.openOnFirstActivation': false,
  // A test run would bring the panel's Test Results view to the front; the Results view revealed
  // over it afterwards keeps VS Code's panel toolbar labelled "Test Results actions", and the
  // flows find a worksheet's results by that label. Failures still open the peek in the editor.
  'testing.openTesting': 'neverOpen',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
};

export interface RunningServer {
  readonly port: number;
  /** The server process, also the id of its process group (everything it started). */
  readonly pid: number;
  readonly origin: string;
  /** The temp dir holding every folder of this run; removed by stop(). */
  readonly root: string;
  /** The environment the server got (HOME, XDG_*, TMPDIR point into root). */
  readonly env: NodeJS.ProcessEnv;
  /** What `GET /version` answered (the commit). */
  readonly commit: string;
  readonly startMs: number;
  /** The last lines the server printed. */
  output(): string;
  stop(): Promise<void>;
}

/** This project's network guard (compiled), preloaded into the server through NODE_OPTIONS. */
export const NETWORK_GUARD = path.resolve(__dirname, '..', 'support', 'network-guard.js');

/**
 * Environment that puts the server, and through it the extension host, under the network guard
 * (refusing anything but loopback), recording refusals in `guardLog`. VS Code 1.139 removes
 * NODE_OPTIONS from the extension host's environment; test/editor/suite/index.ts therefore also
 * loads the guard itself.
 */
export function guardedEnv(guardLog: string): NodeJS.ProcessEnv {
  const current = process.env.NODE_OPTIONS ?? '';
  return {
    NODE_OPTIONS: current.includes('network-guard') ? current : `${current} --require ${NETWORK_GUARD}`.trim(),
    NETWORK_GUARD_LOG: guardLog,
  };
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', reject);
  });
}

/** The process environment without what a surrounding VS Code or Electron would leave in it. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!/^(VSCODE_|ELECTRON_)/.test(key)) {
      copy[key] = value;
    }
  }
  return copy;
}

/** Fresh HOME, XDG_* and TMPDIR folders under `root`, as environment variables. */
export function isolatedDirs(root: string): Record<string, string> {
  const dirs = {
    HOME: path.join(root, 'home'),
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_DATA_HOME: path.join(root, 'xdg-data'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
    XDG_STATE_HOME: path.join(root, 'xdg-state'),
    XDG_RUNTIME_DIR: path.join(root, 'xdg-runtime'),
    TMPDIR: path.join(root, 'tmp'),
  };
  for (const dir of Object.values(dirs)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return dirs;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) {
    return;
  }
  for (const [signal, waitMs] of [['SIGTERM', 5000], ['SIGKILL', 5000]] as const) {
    if (!groupAlive(pid)) {
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      return;
    }
    const until = Date.now() + waitMs;
    while (groupAlive(pid) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (groupAlive(pid)) {
    throw new Error(`VS Code server process group ${pid} survived SIGKILL`);
  }
}

/**
 * Starts the server and resolves once `GET /version` answers. The caller must call stop(), which
 * kills the process group (server, extension host, pty host, file watcher) and removes the
 * temp dir.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const started = Date.now();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-'));
  const folders = {
    serverData: path.join(root, 'server-data'),
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
  };
  for (const dir of Object.values(folders)) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.mkdirSync(path.join(folders.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(folders.userData, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(process.env),
    // code-server's build reads its extension gallery from here and otherwise queries open-vsx.org
    // (from the server and from the page); an empty one turns the gallery off.
    EXTENSIONS_GALLERY: '{}',
    ...options.env,
    ...isolatedDirs(root),
  };
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    if (lines.length > 200) {
      lines.splice(0, lines.length - 200);
    }
  };

  let child: ChildProcess | undefined;
  let port = 0;
  let commit = '';
  // Should this process exit without stop() (a signal, a crash), the server must not outlive it.
  const forgetOnExit = onExitCleanUp(() => {
    if (child?.pid !== undefined && groupAlive(child.pid)) {
      process.kill(-child.pid, 'SIGKILL');
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  const cleanUp = async () => {
    if (child) {
      await killGroup(child);
    }
    fs.rmSync(root, { recursive: true, force: true });
    forgetOnExit();
  };

  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const args = [
        options.server.serverMain,
        '--host', '127.0.0.1',
        '--port', String(port),
        ...(options.connectionToken ? ['--connection-token', options.connectionToken] : ['--without-connection-token']),
        '--accept-server-license-terms',
        '--telemetry-level', 'off',
        ...(options.workspaceTrust === 'enforced' ? [] : ['--disable-workspace-trust']),
        '--server-data-dir', folders.serverData,
        '--user-data-dir', folders.userData,
        '--extensions-dir', folders.extensions,
        '--enable-smoke-test-driver',
      ];
      const current = spawn(options.server.node, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child = current;
      current.stdout?.on('data', remember);
      current.stderr?.on('data', remember);
      let exited: string | undefined;
      current.once('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
      current.once('error', (error) => (exited = `could not start (${error.message})`));

      const deadline = Date.now() + (options.startTimeoutMs ?? 30000);
      while (!commit && exited === undefined && Date.now() < deadline) {
        try {
          const answer = await get(`http://127.0.0.1:${port}/version`);
          if (answer.status === 200) {
            commit = answer.body.trim();
            break;
          }
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (commit) {
        break;
      }
      await killGroup(current);
      const why = exited ?? `did not answer GET /version within ${(options.startTimeoutMs ?? 30000) / 1000} s`;
      const portTaken = lines.some((line) => /EADDRINUSE/.test(line));
      if (portTaken && attempt < 3) {
        options.log(`server: port ${port} was taken; trying another`);
        lines.length = 0;
        continue;
      }
      throw new Error(`VS Code server ${why}. Its last output:\n${lines.slice(-30).map((line) => `    ${line}`).join('\n')}`);
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }

  const startMs = Date.now() - started;
  let stopped = false;
  return {
    port,
    pid: child?.pid as number,
    origin: `http://127.0.0.1:${port}`,
    root,
    env,
    commit,
    startMs,
    output: () => lines.join('\n'),
    stop: async () => {
      if (!stopped) {
        stopped = true;
        await cleanUp();
      }
    },
  };
}
