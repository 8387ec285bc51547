/**
 * The editor test tier: runs test/editor/suite inside a real VS Code extension host, on VS Code
 * 1.100.3 and 1.139.1 one after the other (offline, through test/vscode-host), prints each
 * version's results and timings, and writes the summed `{passed, failed, pending,
 * guardViolations}` to TEST_STATS_FILE. Exits 1 on any failure. When no VS Code can run at all
 * here, that is a failure whose message says what to install, never a silent pass.
 *
 * Builds nothing: dist/ (node scripts/build.mjs) and out/ (tsc -p tsconfig.json) must exist.
 *
 * Environment:
 *   EDITOR_TEST_VERSIONS   comma list of versions to run (default: all)
 *   EDITOR_TEST_TIMEOUT_MS per-version limit once the server is up (default 120000)
 *   EDITOR_TEST_VERBOSE=1  print the workbench's automation log as it comes
 *   VSCODE_EXECUTABLE      run once with this desktop VS Code through @vscode/test-electron
 *   VSCODE_TEST_DOWNLOAD=1 let @vscode/test-electron download desktop VS Code (needs internet)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onExitCleanUp, seconds } from '../vscode-host/child';
import { HarnessSetupError, VSCODE_VERSIONS, type VsCodeVersion } from '../vscode-host/install';
import { chooseHost, type RunResult, type RunTimings, runExtensionTests } from '../vscode-host/run-in-vscode';
import { guardedEnv, NETWORK_GUARD } from '../vscode-host/server';
import type { TierStats } from '../support/tier-stats';
import { RESTRICTED_USER_SETTINGS, RESTRICTED_WORKSPACE_SETTINGS } from './restricted/fixture';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SUITE = path.join(ROOT, 'out', 'test', 'editor', 'suite', 'index.js');
const RESTRICTED_SUITE = path.join(ROOT, 'out', 'test', 'editor', 'restricted', 'index.js');

function log(line: string): void {
  console.log(line);
}

function versionsToRun(): VsCodeVersion[] {
  const wanted = (process.env.EDITOR_TEST_VERSIONS ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (wanted.length === 0) {
    return [...VSCODE_VERSIONS];
  }
  const unknown = wanted.filter((v) => !VSCODE_VERSIONS.includes(v as VsCodeVersion));
  if (unknown.length > 0) {
    throw new HarnessSetupError(`EDITOR_TEST_VERSIONS names unknown versions ${unknown.join(', ')}; known: ${VSCODE_VERSIONS.join(', ')}.`);
  }
  return wanted as VsCodeVersion[];
}

function timingLine(t: RunTimings): string {
  const parts: [string, number | undefined][] = [
    ['install/cache check', t.install],
    ['server up', t.serverUp],
    ['browser', t.browserLaunch],
    ['workbench visible', t.workbenchVisible],
    ['suite started', t.suiteStarted],
    ['extension active', t.extensionActive],
    ['tests', t.testRun],
    ['exit', t.exit],
    ['total', t.total],
  ];
  return parts
    .filter(([, ms]) => ms !== undefined && ms > 0)
    .map(([name, ms]) => `${name} ${seconds(ms as number)}`)
    .join(' · ');
}

function countLines(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').length;
  } catch {
    return 0;
  }
}

/** A fresh folder whose `.vscode/settings.json` holds RESTRICTED_WORKSPACE_SETTINGS; the caller removes it. */
function untrustedWorkspace(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-untrusted-'));
  fs.mkdirSync(path.join(folder, '.vscode'));
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(RESTRICTED_WORKSPACE_SETTINGS, null, 2));
  return folder;
}

async function main(): Promise<number> {
  const started = Date.now();
  const stats = { passed: 0, failed: 0, pending: 0 };
  const problems: string[] = [];

  // Someone above us (scripts/test.mjs) may own the guard log and count it; otherwise we do.
  const ownGuardLog = process.env.NETWORK_GUARD_LOG === undefined;
  const guardDir = ownGuardLog ? fs.mkdtempSync(path.join(os.tmpdir(), 'editor-guard-')) : undefined;
  if (guardDir) {
    onExitCleanUp(() => fs.rmSync(guardDir, { recursive: true, force: true }));
  }
  const guardLog = process.env.NETWORK_GUARD_LOG ?? path.join(guardDir as string, 'network-guard.jsonl');
  const guardBefore = countLines(guardLog);

  const missing = [path.join(ROOT, 'dist', 'extension.js'), SUITE, RESTRICTED_SUITE, NETWORK_GUARD].filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    problems.push(`not built: ${missing.map((file) => path.relative(ROOT, file)).join(', ')}. Run \`node scripts/build.mjs && npx tsc -p tsconfig.json\` first.`);
    stats.failed++;
  } else {
    const host = chooseHost();
    let versions: VsCodeVersion[] = [];
    try {
      versions = versionsToRun();
    } catch (error) {
      problems.push((error as Error).message);
      stats.failed++;
    }
    if (host === 'electron' && process.env.VSCODE_EXECUTABLE) {
      versions = versions.slice(0, 1); // one desktop VS Code: one run
    }
    for (const version of versions) {
      const desktop = host === 'electron' && process.env.VSCODE_EXECUTABLE;
      // The second pass needs a server that enforces Workspace Trust: the server host only.
      const passes = host === 'server' ? (['trusted', 'restricted'] as const) : (['trusted'] as const);
      for (const pass of passes) {
        const label = `${desktop ? `desktop VS Code (${process.env.VSCODE_EXECUTABLE})` : `VS Code ${version}`}${pass === 'restricted' ? ', Restricted Mode' : ''}`;
        log(`\n── editor tests in ${label} (${host})`);
        let workspace: string | undefined;
        let result: RunResult;
        try {
          workspace = pass === 'restricted' ? untrustedWorkspace() : undefined;
          result = await runExtensionTests({
            version,
            host,
            extensionDevelopmentPath: ROOT,
            extensionTestsPath: pass === 'restricted' ? RESTRICTED_SUITE : SUITE,
            env: guardedEnv(guardLog),
            log,
            timeoutMs: Number(process.env.EDITOR_TEST_TIMEOUT_MS ?? 120_000),
            ...(pass === 'restricted' ? { workspaceFolder: workspace, workspaceTrust: 'enforced' as const, settings: RESTRICTED_USER_SETTINGS } : {}),
          });
        } catch (error) {
          const setup = error instanceof HarnessSetupError;
          const message = `${label}: ${setup ? 'cannot run here' : 'the run broke'}: ${(error as Error).message}`;
          console.error(`  ✗ ${message}`);
          problems.push(message);
          stats.failed++;
          continue;
        } finally {
          if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
        }
        stats.passed += result.passed;
        stats.failed += result.failed;
        stats.pending += result.pending;
        const guard = !result.extensionHostGuarded
          ? 'extension host NOT under the network guard'
          : `network guard in the extension host ${result.guardPreloaded ? 'from NODE_OPTIONS' : 'loaded by the suite'}`;
        log(`  ${label}: ${result.passed} passed, ${result.failed} failed, ${result.pending} pending (${guard})`);
        for (const violation of result.guardViolations) {
          console.error(`  ✗ network guard refused ${violation} in the extension host`);
        }
        log(`  timings: ${timingLine(result.timings)}`);
        for (const failure of result.failures) {
          console.error(`  ✗ ${failure.split('\n').join('\n    ')}`);
          problems.push(`${label}: ${failure.split('\n')[0]}`);
        }
        if (!result.extensionHostGuarded) {
          problems.push(`${label}: the network guard was not loaded in the extension host`);
          stats.failed++;
        }
      }
    }
  }

  const violations = countLines(guardLog) - guardBefore;
  if (ownGuardLog && violations > 0) {
    console.error(`\nnetwork guard: ${violations} non-loopback connection attempt(s) from the server or extension host:`);
    console.error(fs.readFileSync(guardLog, 'utf8'));
    stats.failed += violations;
  }
  if (guardDir) {
    fs.rmSync(guardDir, { recursive: true, force: true });
  }

  const file = process.env.TEST_STATS_FILE;
  const tierStats: TierStats = {
    passed: stats.passed,
    failed: stats.failed,
    pending: stats.pending,
    // Counted here only when this tier owns the guard log; otherwise scripts/test.mjs counts it.
    guardViolations: ownGuardLog ? violations : 0,
  };
  if (file) {
    fs.writeFileSync(file, JSON.stringify(tierStats));
  }
  if (problems.length > 0) {
    console.error(`\neditor tier problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  log(`\neditor tier (${seconds(Date.now() - started)}): ${stats.passed} passed, ${stats.failed} failed`);
  return stats.failed > 0 ? 1 : 0;
}

// Interrupted (Ctrl+C, or a runner's timeout): exit, which stops every server and install this
// process started (see onExitCleanUp in test/vscode-host); Playwright closes its browser.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    console.error(`\neditor tier: ${signal}; stopping what it started.`);
    process.exit(code);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    const file = process.env.TEST_STATS_FILE;
    if (file) {
      fs.writeFileSync(file, JSON.stringify({ passed: 0, failed: 1, pending: 0, guardViolations: 0 } satisfies TierStats));
    }
    process.exitCode = 1;
  },
);
