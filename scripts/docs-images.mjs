// `npm run docs:images`: runs the UI tier's flows on one VS Code version (they take the
// screenshots), then keeps the pictures listed in test/ui/docs-images.ts, compressed with
// pngquant, as media/docs/<name>.png. `--reuse` skips the run and uses the last run's screenshots.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);
const reuse = process.argv.includes('--reuse');

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\ndocs:images: ${[command, ...args].join(' ')} failed (exit ${result.status}); no picture was changed.`);
    process.exit(1);
  }
}

run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
const { DOC_IMAGES, DOC_IMAGES_VERSION } = await import(join(root, 'out/test/ui/docs-images.js'));
if (!reuse) {
  // The pictures come from a passing run: a failed flow stops here.
  run(process.execPath, ['scripts/test.mjs', 'ui'], { ...process.env, UI_TEST_VERSIONS: DOC_IMAGES_VERSION });
}
const { ensureDebianPackages } = await import(join(root, 'out/test/support/prerequisites.js'));
await ensureDebianPackages(['pngquant'], (line) => console.log(line));

const shots = join(root, 'test-results', 'ui', DOC_IMAGES_VERSION);
const taken = existsSync(shots) ? readdirSync(shots) : [];
const target = join(root, 'media', 'docs');
mkdirSync(target, { recursive: true });
const missing = [];
let total = 0;
for (const image of DOC_IMAGES) {
  const file = taken.find((name) => name.replace(/^\d+-/, '') === `${image.shot}.png`);
  if (!file) {
    missing.push(image.shot);
    continue;
  }
  const out = join(target, `${image.name}.png`);
  run('pngquant', ['--quality', '60-85', '--speed', '1', '--strip', '--force', '--output', out, join(shots, file)]);
  const bytes = statSync(out).size;
  total += bytes;
  console.log(`  media/docs/${image.name}.png  ${(bytes / 1024).toFixed(0).padStart(4)} KB  (${file})`);
}
console.log(`  ${DOC_IMAGES.length - missing.length} pictures, ${(total / 1024).toFixed(0)} KB in all`);
if (missing.length > 0) {
  console.error(`docs:images: no screenshot ${missing.map((shot) => `"${shot}"`).join(', ')} in ${shots}: did its flow run?`);
  process.exit(1);
}
