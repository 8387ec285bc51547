import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { immutaProjectLookup, type ProjectLookup } from '../../src/cli/immuta-projects';
import { startImmutaLab, type ImmutaLab } from '../lab/immuta-server';
import { lab } from './shared-lab';
import { redshiftProfile } from './worksheet-harness';

describe('CLI: the Immuta project of each identity for the stamps (--immuta-url)', () => {
  let immuta: ImmutaLab;
  const lookups: ProjectLookup[] = [];
  let warnings: string[];
  const make = (url: string, key: string): ProjectLookup => {
    const made = immutaProjectLookup(url, key, new AbortController().signal, { debug: () => undefined, info: () => undefined, warn: (line) => warnings.push(line), error: (line) => warnings.push(line) });
    lookups.push(made);
    return made;
  };

  before(async () => {
    immuta = await startImmutaLab(lab());
  });
  beforeEach(() => {
    warnings = [];
  });
  afterEach(() => {
    immuta.reset();
    for (const made of lookups.splice(0)) made.dispose();
  });
  after(async () => {
    await immuta.close();
  });

  it('names the project an impersonated user acts under, null for none, and yourself by the key owner or the profile', async () => {
    const lookup = make(immuta.url, immuta.keys.governor);
    const profile = redshiftProfile('governor');
    assert.equal(await lookup.projectOf('bob@example.com', profile), 'Fraud Analytics');
    assert.equal(await lookup.projectOf('dave@example.com', profile), 'Marketing Insights');
    assert.equal(await lookup.projectOf('alice@example.com', profile), null);
    assert.equal(await lookup.projectOf('yourself', profile), null, 'the key owner, governor, acts under no project');
    assert.equal(await lookup.projectOf('yourself', { ...profile, name: 'as dave', immutaUser: 'dave@example.com' }), 'Marketing Insights');
    assert.equal(await lookup.projectOf('nobody@example.com', profile), undefined);
    assert.deepEqual(warnings, []);
  });

  it('asks once per connection and identity', async () => {
    const lookup = make(immuta.url, immuta.keys.governor);
    const profile = redshiftProfile('governor');
    const before = immuta.received.length;
    await Promise.all([lookup.projectOf('bob@example.com', profile), lookup.projectOf('bob@example.com', profile)]);
    const asked = immuta.received.length - before;
    await lookup.projectOf('bob@example.com', profile);
    assert.equal(immuta.received.length - before, asked, 'the second ask is answered from the first');
  });

  it('says unknown, with a warning and without the key, when Immuta refuses or is not there', async () => {
    const wrongKey = make(immuta.url, 'not-a-lab-key-31337');
    assert.equal(await wrongKey.projectOf('bob@example.com', redshiftProfile('governor')), undefined);
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const down = make(`http://127.0.0.1:${closed}`, immuta.keys.governor);
    assert.equal(await down.projectOf('bob@example.com', redshiftProfile('governor')), undefined);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.every((line) => line.startsWith('the Immuta project of bob@example.com is unknown: ')), warnings.join('\n'));
    assert.ok(!warnings.join('\n').includes('not-a-lab-key-31337'), 'the API key is in no warning');
  });
});
