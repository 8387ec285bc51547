// `npm test`: builds, compiles, then runs every tier in its own process under the network
// guard, and ends with one line `N passed, N failed` (totals over all tiers).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);

// Mocha tiers run their spec files directly; the editor and UI tiers have their own entry point,
// which installs and starts a real VS Code (cached in .cache/) and reports the same stats file.
const TIERS = {
  unit: { spec: 'out/test/unit/**/*.test.js', timeout: 10000, require: [] },
  integration: { spec: 'out/test/integration/**/*.test.js', timeout: 60000, require: ['out/test/integration/lab-hooks.js'] },
  // The results webview's bundle in Chromium, driven by Playwright against a host that speaks
  // the real protocol (the real VS Code around it is the UI tier's job).
  webview: { spec: 'out/test/webview/**/*.test.js', timeout: 60000, require: [] },
  // `npm start` run for real (lab, VS Code's server build, Ctrl+C); installs VS Code like the editor tier.
  start: { spec: 'out/test/start/**/*.test.js', timeout: 120000, require: [] },
  editor: { entry: 'out/test/editor/run-editor-tier.js' },
  ui: { entry: 'out/test/ui/run-ui-tier.js' },
};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const tiers = wanted.length > 0 ? wanted : Object.keys(TIERS);
for (const tier of tiers) {
  if (!TIERS[tier]) {
    console.error(`Unknown tier "${tier}". Tiers: ${Object.keys(TIERS).join(', ')}`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'immuta-worksheets-test-'));
const guardLog = join(work, 'network-guard.jsonl');
let passed = 0;
let failed = 0;
let guardCounted = 0;
/** One line per tier, printed before the totals. */
const summary = [];

function step(title, command, args) {
  console.log(`\n── ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return result.status === 0;
}

const built = step('build (esbuild)', process.execPath, ['scripts/build.mjs']);
const compiled = step('compile tests (tsc)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
if (!built || !compiled) {
  failed++;
  console.error('\nThe build or the TypeScript compile failed; no tier ran.');
} else {
  const guard = resolve('out/test/support/network-guard.js');
  for (const tier of tiers) {
    const config = TIERS[tier];
    const statsFile = join(work, `${tier}.json`);
    const tierStarted = Date.now();
    // What the tier needs from the machine (Debian packages) is installed first, outside the
    // network guard: apt must reach the package mirror. What cannot be installed fails the tier.
    console.log(`\n── ${tier} tests`);
    const prepared = spawnSync(process.execPath, ['out/test/support/prepare-tier.js', tier], { stdio: 'inherit' });
    if (prepared.status !== 0) {
      console.error(`The ${tier} tier did not run: its prerequisites are missing (see above); counted as one failure.`);
      failed++;
      summary.push(`${tier}: not run (prerequisites missing)`);
      continue;
    }
    const args = config.entry
      ? ['--require', guard, config.entry]
      : [
          '--require', guard,
          'node_modules/mocha/bin/mocha.js',
          '--reporter', resolve('out/test/support/reporter.js'),
          '--timeout', String(config.timeout),
          '--exit',
          ...config.require.flatMap((file) => ['--require', resolve(file)]),
          config.spec,
        ];
    const result = spawnSync(process.execPath, args, {
      stdio: 'inherit',
      env: {
        ...process.env,
        TEST_STATS_FILE: statsFile,
        NETWORK_GUARD_LOG: guardLog,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${guard}`.trim(),
        SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
      },
    });
    if (!existsSync(statsFile)) {
      console.error(`The ${tier} tier ended (exit ${result.status ?? result.signal}) without reporting; counted as one failure.`);
      failed++;
      summary.push(`${tier}: ended without reporting (exit ${result.status ?? result.signal})`);
      continue;
    }
    const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    passed += stats.passed;
    failed += stats.failed;
    summary.push(`${tier}: ${stats.passed} passed, ${stats.failed} failed in ${((Date.now() - tierStarted) / 1000).toFixed(0)} s`);
    guardCounted += stats.guardViolations;
    if (stats.pending > 0) {
      console.error(`The ${tier} tier has ${stats.pending} pending test(s); pending tests are not passes.`);
    }
    if (result.status !== 0 && stats.failed === 0) {
      console.error(`The ${tier} tier exited with ${result.status} although every test passed; counted as one failure.`);
      failed++;
    }
  }
}

if (existsSync(guardLog)) {
  const lines = readFileSync(guardLog, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const uncounted = Math.max(0, lines.length - guardCounted);
  if (lines.length > 0) {
    console.error(`\nnetwork guard: ${lines.length} non-loopback connection attempt(s) were blocked:`);
    for (const line of lines) {
      const violation = JSON.parse(line);
      console.error(`  ${violation.via} → ${violation.target} (pid ${violation.pid})`);
    }
  }
  failed += uncounted;
}
rmSync(work, { recursive: true, force: true });

if (summary.length > 0) console.log(`\n${summary.join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
