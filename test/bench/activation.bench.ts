/**
 * activate() in a real extension host (VS Code's server build, offline), on every VS Code the
 * harness runs, and the size of the main bundle that activation loads.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VSCODE_VERSIONS } from '../vscode-host/install';
import { runExtensionTests } from '../vscode-host/run-in-vscode';
import type { BenchFigure, BenchSuite } from './types';

const ROOT = path.resolve(__dirname, '../../..');

export const activationBench: BenchSuite = {
  title: 'Activation',
  async run(): Promise<BenchFigure[]> {
    const bundle = fs.statSync(path.join(ROOT, 'dist', 'extension.js')).size / 1024;
    const figures: BenchFigure[] = [{ name: 'main bundle dist/extension.js (production build)', value: bundle, unit: 'KB', target: '< 400 KB', met: bundle < 400 }];
    for (const version of VSCODE_VERSIONS) {
      const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'activation-bench-')), 'figures.json');
      try {
        await runExtensionTests({
          version,
          extensionDevelopmentPath: ROOT,
          extensionTestsPath: path.join(ROOT, 'out', 'test', 'editor', 'suite', 'index.js'),
          env: { EDITOR_TEST_GREP: 'activates on a SQL document', EDITOR_BENCH_OUTPUT: output },
          log: () => undefined,
        });
        const measured = JSON.parse(fs.readFileSync(output, 'utf8')) as { activationMs: number; openToActiveMs: number };
        figures.push(
          { name: `activate() in the extension host, VS Code ${version}`, value: measured.activationMs, unit: 'ms', target: '< 20 ms', met: measured.activationMs < 20 },
          { name: `SQL document opened → extension active, VS Code ${version}`, value: measured.openToActiveMs, unit: 'ms' },
        );
      } finally {
        fs.rmSync(path.dirname(output), { recursive: true, force: true });
      }
    }
    return figures;
  },
};
