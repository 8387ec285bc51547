// `npm run bench`: builds, compiles, then prints the benchmark table (under the network guard).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

process.chdir(resolve(import.meta.dirname, '..'));
const run = (args, env = {}) => spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0;
// The production build: what users install, and what the bundle-size figure is about.
if (!run(['scripts/build.mjs', '--production']) || !run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'])) {
  process.exit(1);
}
const guard = resolve('out/test/support/network-guard.js');
const ok = run(['--expose-gc', '--require', guard, 'out/test/bench/run.js', ...process.argv.slice(2)], {
  NODE_OPTIONS: `--require ${guard}`,
  SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
});
process.exit(ok ? 0 : 1);
