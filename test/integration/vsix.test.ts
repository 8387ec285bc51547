/**
 * The extension packaged for real, as a release is: `npm run package` (vsce, with the production
 * build its prepublish runs) in a copy of the project, under the network guard like every test,
 * so a package step that needed the network would fail here. The .vsix (a zip) is then read with
 * Debian's unzip, not with vsce's own reader, and checked as what users install: every file the
 * manifest and the code refer to is in it, nothing from the development tree is, no source map,
 * and it stays small. The copy keeps this checkout's dist/ (the other tests' bundles) untouched.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EFFECT_PROBES_ANCHOR, GUIDE_FILE } from '../../src/ui/probe-messages';

const ROOT = path.resolve(__dirname, '../../..');
const REPOSITORY = 'https://github.com/immuta-worksheets/immuta-worksheets';
/** About 2.4 MB today (the Snowflake, Databricks and Synapse drivers are most of it). */
const MAX_VSIX_BYTES = 4 * 1024 * 1024;
const PLATFORMS = ['redshift', 'trino', 'snowflake', 'databricks', 'synapse'];

/** Left out of the copy: bulky, or not the project's (the copy gets node_modules as a link). */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'out', '.cache', '.lab', 'test-results', 'coverage']);
/** Development files a careless .vscodeignore would ship; the copy has one of each. */
const DEVELOPMENT_FILES = ['out/test/unit/decoy.test.js', '.cache/vscode/decoy.txt', 'test-results/ui/decoy.png', '.lab/decoy.log', 'coverage/decoy.json', 'old.vsix'];

interface Manifest {
  main: string;
  bin?: Record<string, string>;
  icon?: string;
  repository?: { type: string; url: string };
  bugs?: { url: string };
  homepage?: string;
  galleryBanner?: { color: string; theme: string };
  scripts: Record<string, string>;
  contributes: {
    viewsContainers?: Record<string, { icon: string }[]>;
    walkthroughs?: { steps: { media: { image?: string | { light: string; dark: string }; markdown?: string; svg?: string } }[] }[];
  };
}

function unzip(args: string[]): string {
  const result = spawnSync('unzip', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, `unzip ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Files the manifest names for VS Code to load: the extension, the CLI, icons, walkthrough media. */
function referencedFiles(manifest: Manifest): string[] {
  const files = [manifest.main, ...Object.values(manifest.bin ?? {})];
  if (manifest.icon !== undefined) files.push(manifest.icon);
  for (const containers of Object.values(manifest.contributes.viewsContainers ?? {})) {
    files.push(...containers.map((container) => container.icon).filter((icon) => !icon.startsWith('$(')));
  }
  for (const walkthrough of manifest.contributes.walkthroughs ?? []) {
    for (const { media } of walkthrough.steps) {
      const image = media.image;
      if (typeof image === 'string') files.push(image);
      else if (image !== undefined) files.push(image.light, image.dark);
      if (media.markdown !== undefined) files.push(media.markdown);
      if (media.svg !== undefined) files.push(media.svg);
    }
  }
  return files.map((file) => path.posix.normalize(file.replace(/^\.\//, '')));
}

/** Relative link and image targets of a Markdown text (anchors and URLs excluded). */
function relativeTargets(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(\s*<?([^)\s>]+)/g), ...markdown.matchAll(/\bsrc="([^"]+)"/g)].map((match) => match[1] ?? '');
  return targets.filter((target) => !/^(#|[a-z][a-z0-9+.-]*:)/i.test(target));
}

describe('the packaged extension (.vsix)', function () {
  this.timeout(240_000);
  let work = '';
  let entries: string[] = [];
  let vsix = '';

  before(function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'immuta-worksheets-vsix-'));
    const project = path.join(work, 'project');
    fs.cpSync(ROOT, project, { recursive: true, filter: (source) => !NOT_COPIED.has(path.relative(ROOT, source).split(path.sep)[0] ?? '') });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    for (const file of DEVELOPMENT_FILES) {
      fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      fs.writeFileSync(path.join(project, file), 'not for the package\n');
    }
    const packaged = spawnSync('npm', ['run', 'package'], { cwd: project, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(packaged.status, 0, `npm run package failed (exit ${packaged.status ?? packaged.signal}):\n${packaged.stdout.slice(-3000)}\n${packaged.stderr.slice(-3000)}`);
    vsix = path.join(project, 'immuta-worksheets.vsix');
    assert.ok(fs.existsSync(vsix), `npm run package wrote no immuta-worksheets.vsix; it said:\n${packaged.stdout.slice(-2000)}`);
    entries = unzip(['-Z1', vsix])
      .split('\n')
      .filter((line) => line !== '');
  });

  after(() => {
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  const shipped = (): string[] => entries.filter((entry) => entry.startsWith('extension/')).map((entry) => entry.slice('extension/'.length));
  const read = (file: string): string => unzip(['-p', vsix, `extension/${file}`]);

  it('is packaged by `npm run package` with a repository, not by waiving it', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
    assert.doesNotMatch(manifest.scripts.package ?? '', /--allow-missing-repository/);
    const packagedManifest = JSON.parse(read('package.json')) as Manifest;
    assert.deepEqual(packagedManifest.repository, { type: 'git', url: `${REPOSITORY}.git` });
    assert.equal(packagedManifest.bugs?.url, `${REPOSITORY}/issues`);
    assert.equal(packagedManifest.homepage, `${REPOSITORY}#readme`);
    assert.equal(packagedManifest.galleryBanner?.theme, 'dark');
  });

  it('holds every file the manifest and the code load: extension, CLI, platforms, workers, webview pages, icons, the guide', () => {
    const files = new Set(shipped());
    const manifest = JSON.parse(read('package.json')) as Manifest;
    const needed = [
      ...referencedFiles(manifest),
      ...PLATFORMS.map((platform) => `dist/platforms/${platform}.js`),
      'dist/sort-worker.js',
      'dist/compare-worker.js',
      'dist/webview/results.js',
      'dist/webview/results.css',
      'dist/webview/comparison.js',
      'dist/webview/comparison.css',
      path.posix.join(...GUIDE_FILE),
      'readme.md',
      'changelog.md',
      'LICENSE.txt',
    ];
    const missing = needed.filter((file) => !files.has(file));
    assert.deepEqual(missing, [], `missing from the .vsix; it holds:\n${[...files].join('\n')}`);
    assert.match(read('dist/cli.js'), /^#!\/usr\/bin\/env node/, 'the CLI keeps its #! line');
  });

  it('holds nothing else: no source, tests, scripts, CI, caches, development builds or source maps', () => {
    // media/docs: the pictures of the product (walkthrough steps, and the guide that Learn More opens offline).
    const allowed = /^(dist\/.+\.(js|css|LEGAL\.txt)|media\/[^/]+\.(png|svg|gif|webp|jpg|md)|media\/docs\/[^/]+\.png|docs\/guide\.md|package\.json|readme\.md|changelog\.md|LICENSE\.txt)$/;
    const unexpected = shipped().filter((file) => !allowed.test(file));
    assert.deepEqual(unexpected, [], 'files the extension does not use');
    const outside = entries.filter((entry) => !entry.startsWith('extension/') && !['extension.vsixmanifest', '[Content_Types].xml'].includes(entry));
    assert.deepEqual(outside, []);
    assert.deepEqual(shipped().filter((file) => file.endsWith('.map')), [], 'the production build writes no source maps');
  });

  it(`stays under ${MAX_VSIX_BYTES / 1024 / 1024} MB`, () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size < MAX_VSIX_BYTES, `${(size / 1024 / 1024).toFixed(2)} MB`);
  });

  it('shows a README whose links work on the Marketplace (made absolute) and a guide with the section Learn More opens', () => {
    const readme = read('readme.md');
    assert.deepEqual(relativeTargets(readme), [], 'relative links left in the packaged README');
    assert.match(readme, new RegExp(`\\]\\(${REPOSITORY.replace(/[.]/g, '\\.')}/blob/[^/)]+/docs/guide\\.md`), 'the README links the user guide on GitHub');
    const guide = read(path.posix.join(...GUIDE_FILE));
    const slugs = [...guide.matchAll(/^#+ (.+)$/gm)].map((match) => (match[1] ?? '').trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-'));
    assert.ok(slugs.includes(EFFECT_PROBES_ANCHOR), `no "Effect probes" heading in the packaged guide; headings: ${slugs.join(', ')}`);
  });
});
