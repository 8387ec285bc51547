/**
 * The extension-test entry (`extensionTestsPath`): VS Code's extension host calls run() once the
 * extension under development is loaded. Runs every compiled `*.test.js` beside this file with
 * Mocha, writes the results to the JSON file named by env EDITOR_TEST_RESULTS, and rejects when a
 * test failed (which makes the host exit non-zero). Env EDITOR_TEST_GREP narrows the run. Works the same under the offline server
 * harness (test/vscode-host) and under @vscode/test-electron.
 */
// Whether the host started us under the network guard (NODE_OPTIONS); VS Code 1.139 strips
// NODE_OPTIONS from the extension host's environment, so the suite loads the guard itself below.
const guardPreloaded = (globalThis as Record<symbol, unknown>)[Symbol.for('immuta-worksheets.network-guard')] === true;
import '../../support/network-guard';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { guardViolations } from '../../support/network-guard';
import { allMarks, mark } from './marks';

interface Failure {
  readonly title: string;
  readonly error: string;
}

/** Every compiled test file below `dir`, sorted, with smoke.test.js first: if it fails, nothing after it means much. */
function testFiles(dir: string): string[] {
  const rank = (file: string) => (path.basename(file) === 'smoke.test.js' ? 0 : 1);
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => path.join(dir, file))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.stack ?? `${error.name}: ${error.message}`;
  }
  return String(error);
}

export function run(): Promise<void> {
  return runSuite(__dirname);
}

/** Runs every compiled `*.test.js` below `dir` (another suite, e.g. ../restricted, reuses this). */
export async function runSuite(dir: string): Promise<void> {
  mark('runStarted');
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20_000 });
  if (process.env.EDITOR_TEST_GREP) {
    mocha.grep(process.env.EDITOR_TEST_GREP); // run only matching tests (a debugging aid)
  }
  for (const file of testFiles(dir)) {
    mocha.addFile(file);
  }

  const failures: Failure[] = [];
  const started = Date.now();
  const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve(runner.stats ?? { passes: 0, failures: 0, pending: 0 } as Mocha.Stats));
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, error: unknown) => {
        failures.push({ title: test.fullTitle(), error: errorText(error) });
      });
    } catch (error) {
      reject(error);
    }
  });

  const results = {
    passed: stats.passes,
    failed: Math.max(stats.failures, failures.length),
    pending: stats.pending,
    failures,
    marks: allMarks(),
    mochaMs: Date.now() - started,
    networkGuard: (globalThis as Record<symbol, unknown>)[Symbol.for('immuta-worksheets.network-guard')] === true,
    guardPreloaded,
    guardViolations: guardViolations().map((violation) => `${violation.via} → ${violation.target}`),
  };
  const file = process.env.EDITOR_TEST_RESULTS;
  if (file) {
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
  } else {
    console.warn('EDITOR_TEST_RESULTS is not set; the results are only in this log.');
  }
  if (results.failed > 0) {
    throw new Error(`${results.failed} editor test(s) failed: ${failures.map((failure) => failure.title).join('; ')}`);
  }
}
