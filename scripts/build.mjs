// Bundles the extension host entry and, separately, each platform's module with its driver,
// so that activation loads no database driver: dist/extension.js requires dist/platforms/<id>.js
// only when a worksheet of that platform first connects.
import * as esbuild from 'esbuild';
import { rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const platforms = ['redshift'];

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
  // pg-native is an optional native binding that pg only loads when asked to.
  external: ['vscode', 'pg-native'],
};

const started = Date.now();
await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' }),
  esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(platforms.map((id) => [id, `src/platforms/${id}/index.ts`])),
    outdir: 'dist/platforms',
  }),
]);
console.log(`build: dist/ in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
