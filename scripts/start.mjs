// `npm start`: builds the extension and the demo tooling, then runs the demo (see
// scripts/start-demo.ts) until Ctrl+C.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

process.chdir(resolve(import.meta.dirname, '..'));
const step = (title, args) => {
  const started = Date.now();
  process.stdout.write(`▸ ${title}…\n`);
  const ok = spawnSync(process.execPath, args, { stdio: 'inherit' }).status === 0;
  if (ok) process.stdout.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return ok;
};
if (!step('Building the extension (esbuild)', ['scripts/build.mjs']) || !step('Compiling the lab and the demo (tsc)', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'])) {
  process.exit(1);
}
const demo = spawn(process.execPath, ['out/scripts/start-demo.js', ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl+C reaches both processes through the terminal; a signal sent to this one alone is passed
// on (the demo stops once, however many signals it gets). This process stays until the demo has
// stopped everything, so the prompt comes back only then.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => demo.kill(signal));
}
demo.on('error', (error) => {
  process.stderr.write(`npm start: could not run the demo: ${error.message}\n`);
  process.exit(1);
});
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// npm may exit on a signal without passing it on; an orphaned demo would keep the lab and VS Code up.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) demo.kill('SIGTERM');
}, 1000).unref();
