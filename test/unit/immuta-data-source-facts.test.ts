import * as assert from 'node:assert/strict';
import { dataSourceFacts, dataSourceTooltip, findDataSource, listsUser, type DataSourceFactsInput } from '../../src/immuta/data-source-facts';
import { parseAccessAnswer, parseDataSource, parseDataSourceList } from '../../src/immuta/data-source-parse';
import { isImmutaApiError } from '../../src/immuta/errors';
import type { ImmutaDataSource } from '../../src/immuta/types';

const customers: ImmutaDataSource = { id: 1, name: 'Customers', database: 'lab', schema: 'sales', table: 'customers' };
const fraud: ImmutaDataSource = { id: 2, name: 'Fraud Cases', database: 'lab', schema: 'fraud', table: 'cases' };

function input(overrides: Partial<DataSourceFactsInput>): DataSourceFactsInput {
  return {
    table: { schema: 'sales', name: 'customers' },
    user: 'bob@example.com',
    candidates: [customers, fraud],
    subscribers: () => [{ userid: 'bob@example.com', state: 'subscribed' }],
    project: null,
    checkedAt: 5,
    ...overrides,
  };
}

describe('Immuta data source facts', function () {
  it('matches a table by schema and table, ignoring case only when that leaves one, and respects the database', function () {
    assert.equal(findDataSource({ schema: 'SALES', name: 'CUSTOMERS' }, [customers])?.name, 'Customers', 'Snowflake folds to upper case');
    assert.equal(findDataSource({ schema: 'sales', name: 'Customers' }, [customers, { ...customers, id: 9, table: 'CUSTOMERS' }]), undefined, 'two case-insensitive matches: neither');
    assert.equal(findDataSource({ catalog: 'other', schema: 'sales', name: 'customers' }, [customers]), undefined);
    assert.equal(findDataSource({ catalog: 'LAB', schema: 'sales', name: 'customers' }, [customers])?.id, 1);
    assert.equal(findDataSource({ schema: 'sales', name: 'customers' }, [{ id: 3, name: 'Unlocated' }]), undefined, 'a data source that does not say where it lives matches nothing');
  });

  it('a subscribed user in a project that does not include the source is subscribed but cannot see it', function () {
    const fact = dataSourceFacts(input({ project: { id: 7, name: 'Marketing Insights', dataSourceIds: [3] } }));
    assert.deepEqual(fact, { kind: 'data-source', id: 1, name: 'Customers', user: 'bob@example.com', subscribed: true, visible: false, project: { id: 7, name: 'Marketing Insights' }, checkedAt: 5 });
    assert.deepEqual(dataSourceTooltip(fact), [
      'Immuta data source: Customers',
      'bob@example.com is subscribed.',
      'Not in project Marketing Insights: not visible to bob@example.com now.',
      "Acting under project Marketing Insights: only the project's data sources are visible.",
    ]);
  });

  it('an unlisted user is not subscribed; a table no data source exposes says so', function () {
    const fact = dataSourceFacts(input({ user: 'governor@example.com' }));
    assert.deepEqual(fact.kind === 'data-source' && [fact.subscribed, fact.visible], [false, false]);
    assert.deepEqual(dataSourceFacts(input({ table: { schema: 'public', name: 'notes' } })), { kind: 'not-a-data-source', user: 'bob@example.com', project: null, checkedAt: 5 });
  });

  it('reads the access list by exact user name, else the one case-insensitive match, and only subscribing states', function () {
    assert.equal(listsUser([{ userid: 'Bob@Example.com' }], 'bob@example.com'), true);
    assert.equal(listsUser([{ userid: 'Bob@Example.com' }, { userid: 'BOB@example.com' }], 'bob@example.com'), false);
    assert.equal(listsUser([{ userid: 'bob@example.com', state: 'pending' }], 'bob@example.com'), false);
  });

  it('parses handler metadata as the Swagger\u2019s list or an older tenant\u2019s object, and rejects answers that are not lists', function () {
    const listed = parseDataSource({ id: '4', name: 'X', handler: [{ metadata: { schema: 's', table: 't', database: 'd' } }], futureField: 1 });
    assert.deepEqual(listed, { id: 4, name: 'X', database: 'd', schema: 's', table: 't' });
    assert.deepEqual(parseDataSource({ id: 4, name: 'X', handler: { metadata: { schema: 's', table: 't' } } }), { id: 4, name: 'X', schema: 's', table: 't' });
    assert.deepEqual(parseDataSourceList({ count: 2, dataSources: [{ dataSourceId: 1, dataSourceName: 'Customers' }, { nothing: true }] }, 'dataSources', 'op'), {
      count: 2,
      dataSources: [{ id: 1, name: 'Customers' }],
    });
    assert.throws(() => parseDataSourceList({ hits: 'no' }, 'hits', 'search data sources'), (error: unknown) => isImmutaApiError(error) && error.kind === 'bad-response');
    assert.deepEqual(parseAccessAnswer({ count: 1, users: [{ profile: { userid: 'bob' }, state: 'subscribed' }] }, 'op').users, [{ userid: 'bob', state: 'subscribed' }]);
  });

  it('says nothing when Immuta is not configured, and shows errors and checking', function () {
    assert.deepEqual(dataSourceTooltip({ kind: 'off' }), []);
    assert.deepEqual(dataSourceTooltip({ kind: 'checking' }), ['Immuta: checking…']);
    assert.deepEqual(dataSourceTooltip({ kind: 'error', message: 'boom' }), ['Immuta: boom']);
  });
});
