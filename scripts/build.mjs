// Bundles the extension host entry and, separately, each platform's module with its driver,
// so that activation loads no database driver: dist/extension.js requires dist/platforms/<id>.js
// only when a worksheet of that platform first connects.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const platforms = ['redshift', 'trino', 'snowflake', 'databricks', 'synapse'];

rmSync('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'linked',
  logLevel: 'warning',
  // pg-native is an optional native binding that pg only loads when asked to. @databricks/sql's
  // optional native pieces (LZ4 for Arrow results, the SEA kernel) are never asked for: the
  // Databricks adapter turns off LZ4 and uses the Thrift backend.
  external: ['vscode', 'pg-native', 'lz4-napi', '@databricks/databricks-sql-kernel-*'],
};

// The results webview: a browser bundle, and one stylesheet of SlickGrid's CSS followed by ours.
const webviewCss = [
  'node_modules/slickgrid/dist/styles/css/slick.grid.css',
  'node_modules/slickgrid/dist/styles/css/slick-alpine-theme.css',
  'src/webview/styles.css',
];

async function buildWebviewCss() {
  const css = webviewCss.map((file) => `/* ${file} */\n${readFileSync(file, 'utf8')}`).join('\n');
  const { code } = await esbuild.transform(css, { loader: 'css', minify: production, legalComments: 'inline', logLevel: 'warning' });
  mkdirSync('dist/webview', { recursive: true });
  writeFileSync('dist/webview/results.css', code);
  // The comparison page (Compare as…) has a stylesheet of its own, without SlickGrid's.
  const comparison = await esbuild.transform(readFileSync('src/webview/comparison/styles.css', 'utf8'), { loader: 'css', minify: production, logLevel: 'warning' });
  writeFileSync('dist/webview/comparison.css', comparison.code);
}

const started = Date.now();
await Promise.all([
  // The sort and comparison workers are scripts of their own: worker_threads starts them by path
  // (dist/sort-worker.js, dist/compare-worker.js). dist/cli.js is the command-line runner (`bin`
  // in package.json): it requires dist/platforms/<id>.js like the extension, and keeps the
  // source's #! line (esbuild preserves an entry's hashbang).
  esbuild.build({
    ...common,
    entryPoints: { extension: 'src/extension.ts', 'sort-worker': 'src/results/sort-worker.ts', 'compare-worker': 'src/compare/diff-worker.ts', cli: 'src/cli/cli.ts' },
    outdir: 'dist',
  }),
  esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(platforms.map((id) => [id, `src/platforms/${id}/index.ts`])),
    outdir: 'dist/platforms',
  }),
  esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome114',
    sourcemap: production ? false : 'linked',
    minify: production,
    legalComments: 'linked',
    logLevel: 'warning',
    entryPoints: { results: 'src/webview/main.ts', comparison: 'src/webview/comparison/main.ts' },
    outdir: 'dist/webview',
  }),
  buildWebviewCss(),
]);
chmodSync('dist/cli.js', 0o755);
console.log(`build: dist/ in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
