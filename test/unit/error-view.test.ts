import assert from 'node:assert/strict';
import { PlatformError } from '../../src/platforms/errors';
import { sessionEndedError } from '../../src/platforms/session-end';
import { mapQueryError } from '../../src/platforms/trino/errors';
import { errorView } from '../../src/results/error-view';
import { withNextStep } from '../../src/worksheets/lost-session';

describe('errorView: what the results view shows for a failed statement', () => {
  it('a session the database ended: what happened, the server\u2019s words and code, whether it may have run, and what comes next', () => {
    const error = withNextStep(sessionEndedError({ reason: 'terminating connection due to administrator command', serverSaid: true, sent: true, code: '57P01' }), 'bob@example.com');
    const view = errorView(error, 'SELECT 1', undefined);
    assert.equal(
      view.message,
      "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed. The next statement opens a new session and re-applies impersonation of bob@example.com before it runs.",
    );
    assert.equal(view.code, '57P01');
  });

  it('an ordinary server error shows the server\u2019s own words', () => {
    const error = new PlatformError('server', 'relation "x" does not exist', { serverMessage: 'relation "x" does not exist', code: '42P01' });
    assert.equal(errorView(error, 'SELECT * FROM x', undefined).message, 'relation "x" does not exist');
  });

  it('a Trino query whose data source connection died is explained, the server\u2019s words inside', () => {
    const error = mapQueryError(
      { message: 'PostgreSQL connection failed: terminating connection due to administrator command', errorName: 'JDBC_ERROR', errorType: 'EXTERNAL', errorCode: 16777216 },
      'SELECT 1',
    );
    assert.equal(error.kind, 'server');
    assert.equal(
      errorView(error, 'SELECT 1', undefined).message,
      "Trino lost its connection to the data source while the statement ran (PostgreSQL connection failed: terminating connection due to administrator command). The statement may or may not have completed. This worksheet's session is unaffected: the next statement runs as before.",
    );
    // Other external errors keep the server's words alone.
    const other = mapQueryError({ message: 'Hive metastore is unavailable', errorName: 'HIVE_METASTORE_ERROR', errorType: 'EXTERNAL' }, 'SELECT 1');
    assert.equal(errorView(other, 'SELECT 1', undefined).message, 'Hive metastore is unavailable');
  });
});
