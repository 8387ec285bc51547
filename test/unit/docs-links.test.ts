import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DOCUMENTS = ['README.md', 'docs/guide.md'];

/** The anchors GitHub (and VS Code's Markdown preview) give a file's headings, code blocks skipped. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+?)\s*#*$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Link targets outside code: `[text](target)`, not URLs. */
function localLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('README and user guide links', () => {
  for (const document of DOCUMENTS) {
    it(`${document}: every relative link names a file that exists and a heading it has`, () => {
      const text = fs.readFileSync(path.join(ROOT, document), 'utf8');
      const links = localLinks(text);
      assert.ok(links.length > 0, 'found its links');
      const broken = links.filter((link) => {
        const [file = '', anchor] = link.split('#');
        const target = file === '' ? path.join(ROOT, document) : path.resolve(path.dirname(path.join(ROOT, document)), file);
        if (!fs.existsSync(target)) return true;
        return anchor !== undefined && !anchors(fs.readFileSync(target, 'utf8')).has(anchor);
      });
      assert.deepEqual(broken, []);
    });
  }

  it('the README stays short: a pitch, the two commands, a place for pictures, and links into the guide', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.length < 8000, `${readme.length} characters`);
    const pitch = readme.indexOf('as another Immuta user');
    const commands = readme.indexOf('npm start    #');
    assert.ok(pitch > 0 && commands > pitch && readme.indexOf('npm test     #') > commands, 'pitch, then npm start and npm test');
    assert.ok(readme.includes('<!-- pictures -->'));
    for (const section of ['settings', 'troubleshooting', 'connections', 'developing-and-testing']) {
      assert.ok(readme.includes(`docs/guide.md#${section}`), section);
    }
  });

  it('the guide explains every setting the extension contributes, with an example', () => {
    const guide = fs.readFileSync(path.join(ROOT, 'docs/guide.md'), 'utf8');
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, unknown> } } };
    const rows = guide.split('\n').filter((line) => line.startsWith('| `immutaWorksheets.'));
    const documented = rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);
    assert.deepEqual(documented.sort(), Object.keys(manifest.contributes.configuration.properties).sort());
    for (const row of rows) assert.equal(row.split(' | ').length, 4, `default, example and meaning: ${row}`);
  });
});
