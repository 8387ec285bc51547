import * as assert from 'node:assert/strict';
import { discoverConnections, mergeImported } from '../../src/connections-import/discover';
import { fakeHome, noKeyFiles } from './import-fake-home';

describe('connection import: discovery, names and re-import', () => {
  const files = {
    '/home/u/.snowflake/connections.toml': '[prod]\naccount = "a"\nuser = "jane"\npassword = "pw"\n[keys]\naccount="a"\nuser="svc"\nauthenticator="SNOWFLAKE_JWT"\nprivate_key_file="/home/u/.ssh/missing.p8"\n',
    '/home/u/.databrickscfg': '[prod]\nhost = https://dbc.example.com\ntoken = dapi1\n',
    '/home/u/.pg_service.conf': '[prod]\nhost=rs.example.com\nuser=gov\nsslmode=disable\n',
  };

  it('names each candidate by its source, made unique against existing profiles and each other; every one names its source', () => {
    const existing = [{ name: 'prod', platform: 'redshift', host: 'h', user: 'u' }];
    const { candidates, problems } = discoverConnections(fakeHome(files), {}, existing, noKeyFiles);
    assert.deepEqual(candidates.map((c) => [c.profile.name, c.profile.platform, c.action]), [
      ['prod (2)', 'snowflake', 'add'],
      ['prod (3)', 'databricks', 'add'],
      ['prod (4)', 'redshift', 'add'],
    ]);
    assert.equal(candidates[0].profile.importedFrom, 'snowflake:/home/u/.snowflake/connections.toml#prod');
    assert.equal(candidates[1].profile.importedFrom, 'databricks:/home/u/.databrickscfg#prod');
    assert.deepEqual(candidates[1].missing, ['httpPath']);
    // The key-pair connection names a key file that cannot be read: the profile check refuses it, by name.
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /^keys: not imported: keys\.privateKeyFile could not be read \(\/home\/u\/\.ssh\/missing\.p8\)/);
  });

  it('a re-import updates the profile imported from the same source (keeping its name and the user\u2019s additions) instead of adding one', () => {
    const first = discoverConnections(fakeHome(files), {}, [], noKeyFiles);
    const chosen = first.candidates.map((c) => ({ id: c.id, profile: { ...c.profile, ...(c.missing?.includes('httpPath') ? { httpPath: '/sql/1.0/warehouses/w' } : {}) } }));
    const once = mergeImported([], chosen);
    assert.deepEqual([once.added, once.updated], [3, 0]);
    // The user renames one and adds an Immuta user; the source changes its warehouse.
    const edited = once.entries.map((entry) => ((entry as { platform: string }).platform === 'snowflake' ? { ...(entry as object), name: 'My Snowflake', immutaUser: 'jane@example.com' } : entry));
    const changed = { ...files, '/home/u/.snowflake/connections.toml': files['/home/u/.snowflake/connections.toml'].replace('user = "jane"', 'user = "jane"\nwarehouse = "BIG"') };
    const again = discoverConnections(fakeHome(changed), {}, edited, noKeyFiles);
    assert.deepEqual(again.candidates.map((c) => [c.profile.name, c.action]), [['My Snowflake', 'update'], ['prod (2)', 'update'], ['prod (3)', 'update']]);
    // The HTTP path answered at the first import is kept, not asked again.
    assert.deepEqual([again.candidates[1].profile.httpPath, again.candidates[1].missing], ['/sql/1.0/warehouses/w', []]);
    const twice = mergeImported(edited, again.candidates.map((c) => ({ id: c.id, profile: c.profile })));
    assert.deepEqual([twice.added, twice.updated, twice.entries.length], [0, 3, 3]);
    const snowflake = twice.entries.find((entry) => (entry as { platform: string }).platform === 'snowflake') as Record<string, unknown>;
    assert.deepEqual([snowflake.name, snowflake.warehouse, snowflake.immutaUser], ['My Snowflake', 'BIG', 'jane@example.com']);
  });

  it('reports a broken file and still imports the rest', () => {
    const broken = { ...files, '/home/u/.snowflake/connections.toml': '[prod\naccount = "a"\n' };
    const { candidates, problems } = discoverConnections(fakeHome(broken), {}, [], noKeyFiles);
    assert.deepEqual(candidates.map((c) => c.profile.platform), ['databricks', 'redshift']);
    assert.equal(problems[0].file, '/home/u/.snowflake/connections.toml');
    assert.equal(problems[0].line, 1);
  });
});
