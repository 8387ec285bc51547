import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../src/cli/errors';
import { loadProfiles, withoutJsonComments } from '../../src/cli/profiles';

const lab = { name: 'Lab Redshift (governor)', platform: 'redshift', host: '127.0.0.1', port: 5439, user: 'governor', tls: { mode: 'disable' } };

describe('CLI connection profiles', () => {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const fails = (explicit: string | undefined, message: RegExp) =>
    assert.throws(() => loadProfiles(explicit, root), (error: unknown) => error instanceof CliError && error.exitCode === 2 && message.test(error.message));

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-profiles-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads a list in the schema of immutaWorksheets.connections, with the same defaults as the editor', () => {
    write('immuta-worksheets.connections.json', JSON.stringify([lab, { name: 'trino', platform: 'trino', server: 'http://127.0.0.1:8080', user: 'gov', auth: 'none' }]));
    const { file, profiles } = loadProfiles(undefined, root);
    assert.equal(file, path.join(root, 'immuta-worksheets.connections.json'));
    assert.deepEqual(
      profiles.map((profile) => profile.name),
      ['Lab Redshift (governor)', 'trino'],
    );
    assert.equal(profiles[0].platform === 'redshift' && profiles[0].database, 'dev');
  });

  it('reads { "connections": [...] } and a settings.json with comments and trailing commas', () => {
    write('ci/conn.json', JSON.stringify({ connections: [lab] }));
    assert.equal(loadProfiles('ci/conn.json', root).profiles[0].name, lab.name);
    write('.vscode/settings.json', `{
      // the editor's settings, as VS Code writes them
      "editor.tabSize": 2, /* unrelated */
      "immutaWorksheets.connections": [
        ${JSON.stringify(lab)}, // the lab
      ],
    }`);
    const { file, profiles } = loadProfiles(undefined, root);
    assert.equal(file, path.join(root, '.vscode', 'settings.json'));
    assert.equal(profiles[0].name, lab.name);
  });

  it('prefers ./immuta-worksheets.connections.json to .vscode/settings.json', () => {
    write('.vscode/settings.json', JSON.stringify({ 'immutaWorksheets.connections': [{ ...lab, name: 'from settings' }] }));
    write('immuta-worksheets.connections.json', JSON.stringify([{ ...lab, name: 'from file' }]));
    assert.equal(loadProfiles(undefined, root).profiles[0].name, 'from file');
  });

  it('reads CA files relative to the file, and to the workspace folder for .vscode/settings.json', () => {
    write('ci/ca.pem', 'CI CA');
    write('ci/conn.json', JSON.stringify([{ ...lab, tls: { mode: 'verify-ca', caFile: 'ca.pem' } }]));
    const fromFile = loadProfiles('ci/conn.json', root).profiles[0];
    assert.equal(fromFile.platform === 'redshift' && fromFile.tls.ca, 'CI CA');
    write('certs/ca.pem', 'WORKSPACE CA');
    write('.vscode/settings.json', JSON.stringify({ 'immutaWorksheets.connections': [{ ...lab, tls: { mode: 'verify-ca', caFile: 'certs/ca.pem' } }] }));
    const fromSettings = loadProfiles(undefined, root).profiles[0];
    assert.equal(fromSettings.platform === 'redshift' && fromSettings.tls.ca, 'WORKSPACE CA');
  });

  it('names the file and the setting at fault', () => {
    fails(undefined, /No connection profiles: write immuta-worksheets\.connections\.json/);
    fails('missing.json', /missing\.json: no such connections file/);
    write('bad.json', '[{ "name": ');
    fails('bad.json', /bad\.json is not valid JSON/);
    write('shape.json', '{ "something": [] }');
    fails('shape.json', /holds no connection profiles/);
    write('notlist.json', '{ "immutaWorksheets.connections": {} }');
    fails('notlist.json', /immutaWorksheets\.connections must be a list/);
    write('empty.json', '[]');
    fails('empty.json', /holds no connection profile/);
    write('profile.json', JSON.stringify([lab, { name: 'x', platform: 'redshift', user: 'u' }, { ...lab }]));
    fails('profile.json', /immutaWorksheets\.connections\[1\]\.host must be a non-empty string \(it is missing\)/);
    fails('profile.json', /immutaWorksheets\.connections\[2\]\.name "Lab Redshift \(governor\)" is used by an earlier profile/);
    write('ca.json', JSON.stringify({ connections: [{ ...lab, tls: { mode: 'verify-ca', caFile: 'nope.pem' } }] }));
    fails('ca.json', /connections\[0\]\.tls\.caFile could not be read/);
  });

  it('strips comments without touching strings that look like them', () => {
    const text = '{"a": "http://x/*y*/", /* c */ "b": [1, 2,], // d\n}';
    assert.deepEqual(JSON.parse(withoutJsonComments(text)), { a: 'http://x/*y*/', b: [1, 2] });
    assert.deepEqual(JSON.parse(withoutJsonComments('{"q": "say \\"//\\"", "r": 1 , /* x */ }')), { q: 'say "//"', r: 1 });
  });
});
