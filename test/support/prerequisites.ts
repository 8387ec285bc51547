/**
 * What each test tier needs from the machine beyond `npm ci`, and how it is installed when it is
 * missing: Debian packages through apt-get, as root or through passwordless sudo. `npm test`
 * prepares each tier with this before running it (scripts/test.mjs → prepare-tier.ts), so the
 * README's one command works on a fresh machine; the VS Code builds of the editor and UI tiers are
 * installed by those tiers themselves (test/vscode-host/install.ts) into `.cache/vscode`.
 *
 * When nothing can be installed (no root, no sudo, apt failing), the error names every missing
 * package and the exact command that installs them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runLogged, seconds, tail, type Log } from '../vscode-host/child';

/** A prerequisite of a tier cannot be met on this machine; the message says what to run. */
export class HarnessSetupError extends Error {
  override readonly name = 'HarnessSetupError';
}

/** What each Debian package is for, to say so when one is missing. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  'freetds-bin': 'FreeTDS tsql, the independent client that checks the lab TDS server (integration tier)',
  'postgresql-client': 'psql, the judge of where PostgreSQL/Redshift statements end (integration tier, psql-oracle)',
  chromium: 'the browser that shows the results view and the workbench (webview, editor and UI tiers)',
  'libkrb5-dev': 'building the kerberos native addon of VS Code (editor and UI tiers)',
  'python3-junitparser': 'junitparser, an independent JUnit XML reader that checks the policy-check CLI\u2019s report (integration tier)',
  unzip: 'unzip, which lists and reads the packaged .vsix (a zip) as it was written (integration tier, vsix test)',
  ripgrep: 'the rg binary that @vscode/ripgrep of VS Code 1.100 would otherwise download (editor and UI tiers)',
};

/** The Debian packages each tier of `npm test` needs. */
export const TIER_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  unit: [],
  integration: ['freetds-bin', 'postgresql-client', 'python3-junitparser', 'unzip'],
  webview: ['chromium'],
  editor: ['chromium', 'libkrb5-dev', 'ripgrep'],
  ui: ['chromium', 'libkrb5-dev', 'ripgrep'],
  start: ['chromium', 'libkrb5-dev'],
};

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const APT_LOG_DIR = process.env.VSCODE_HOST_CACHE ?? path.join(REPO_ROOT, '.cache', 'vscode');

/** `apt-get update` runs at most once per process. */
let aptUpdated = false;

function installedDebianPackage(name: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'install ok installed';
}

/** The named Debian packages that are not installed. */
export function missingDebianPackages(names: readonly string[]): string[] {
  return names.filter((name) => !installedDebianPackage(name));
}

/** The command a person runs to install `names`, with sudo when they are not root. */
export function aptCommand(names: readonly string[]): string {
  const sudo = isRoot() ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** How to run apt-get here: directly as root, through sudo when it needs no password, or not at all. */
function aptRunner(): { command: string; prefix: string[] } | undefined {
  if (isRoot()) {
    return { command: 'apt-get', prefix: [] };
  }
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return sudo.status === 0 ? { command: 'sudo', prefix: ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'] } : undefined;
}

function describeMissing(names: readonly string[]): string {
  return names.map((name) => `${name} (${DEBIAN_PACKAGES[name] ?? 'needed'})`).join(', ');
}

/**
 * Installs the named Debian packages that are missing (`apt-get update` once per process, then
 * one `apt-get install`), logging to `.cache/vscode/apt.log`. Throws a HarnessSetupError naming
 * them and the command to run when they cannot be installed here.
 */
export async function ensureDebianPackages(names: readonly string[], log: Log): Promise<void> {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) {
    return;
  }
  const runner = aptRunner();
  if (!runner) {
    throw new HarnessSetupError(
      `Missing Debian packages: ${describeMissing(missing)}. This user is not root and has no passwordless sudo, so they cannot be installed here. Install them with:\n  ${aptCommand(missing)}`,
    );
  }
  fs.mkdirSync(APT_LOG_DIR, { recursive: true });
  const logFile = path.join(APT_LOG_DIR, 'apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => [...runner.prefix, ...args];
  if (!aptUpdated) {
    log(`apt: apt-get update (for ${missing.join(', ')})`);
    const update = await runLogged(runner.command, apt(['update']), { env, logFile, title: 'apt-get update', log });
    if (update.code !== 0) {
      throw new HarnessSetupError(`apt-get update failed (exit ${update.code}); log ${logFile}:\n${tail(logFile)}\nInstall by hand:\n  ${aptCommand(missing)}`);
    }
    aptUpdated = true;
    log(`apt: update took ${seconds(update.ms)}`);
  }
  log(`apt: installing ${missing.join(' ')}`);
  const install = await runLogged(runner.command, apt(['install', '-y', '--no-install-recommends', ...missing]), {
    env,
    logFile,
    title: `apt-get install ${missing.join(' ')}`,
    log,
  });
  const stillMissing = missingDebianPackages(missing);
  if (install.code !== 0 || stillMissing.length > 0) {
    throw new HarnessSetupError(
      `apt-get install ${missing.join(' ')} failed (exit ${install.code}); log ${logFile}:\n${tail(logFile)}\nInstall by hand:\n  ${aptCommand(stillMissing.length > 0 ? stillMissing : missing)}`,
    );
  }
  log(`apt: installed ${missing.join(' ')} in ${seconds(install.ms)}`);
}
