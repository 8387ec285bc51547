import { strict as assert } from 'node:assert';
import { PlatformError } from '../../src/platforms/errors';
import { explainImpersonationError } from '../../src/platforms/impersonation-errors';
import { errorMessage } from '../../src/ui/messages';

describe('impersonation errors, recognised per platform', () => {
  const notPermitted = 'Immuta: analyst@example.com does not have the IMPERSONATE_USER permission; cannot query as bob@example.com';
  const noSuchUser = 'Immuta: no Immuta user named bob@exmaple.com';

  it('recognises Immuta\'s refusal on every platform, whatever code the platform gives it', () => {
    const cases: Array<[Parameters<typeof explainImpersonationError>[0], PlatformError]> = [
      ['redshift', new PlatformError('permission', 'The server refused.', { serverMessage: notPermitted, code: '42501' })],
      ['trino', new PlatformError('permission', 'Query failed.', { serverMessage: notPermitted, code: 'PERMISSION_DENIED' })],
      ['snowflake', new PlatformError('server', 'Statement failed.', { serverMessage: notPermitted, code: '100132' })],
      ['synapse', new PlatformError('server', 'The batch failed.', { serverMessage: notPermitted, code: '50000' })],
      ['databricks', new PlatformError('server', notPermitted, {})],
    ];
    for (const [platform, error] of cases) {
      const explained = explainImpersonationError(platform, error, { user: 'bob@example.com' });
      assert.equal(explained?.problem, 'not-permitted', platform);
      assert.match(explained?.advice ?? '', /lacks the IMPERSONATE_USER permission.*Ask an Immuta administrator/, platform);
    }
  });

  it('recognises Trino\'s own impersonation refusal', () => {
    const error = new PlatformError('permission', 'Query failed.', { serverMessage: 'Access Denied: User governor cannot impersonate user bob', code: 'PERMISSION_DENIED' });
    assert.equal(explainImpersonationError('trino', error)?.problem, 'not-permitted');
  });

  it('explains Snowflake\'s missing impersonation role with the role\'s name', () => {
    const error = new PlatformError('server', 'Statement failed.', { serverMessage: "Requested role 'IMMUTA_IMPERSONATION' is not assigned to the executing user. Specify another role to activate.", code: '003013' });
    const explained = explainImpersonationError('snowflake', error, { impersonationRole: 'IMMUTA_IMPERSONATION' });
    assert.equal(explained?.problem, 'not-permitted');
    assert.match(explained?.advice ?? '', /impersonation role IMMUTA_IMPERSONATION/);
    // The same code on another platform means nothing.
    assert.equal(explainImpersonationError('redshift', new PlatformError('server', 'x', { code: '003013', serverMessage: 'something else' })), undefined);
  });

  it('tells an unknown user apart, with Synapse\'s own advice about linked names', () => {
    const error = new PlatformError('server', 'The server refused.', { serverMessage: noSuchUser, code: '42704' });
    const explained = explainImpersonationError('redshift', error, { user: 'bob@exmaple.com' });
    assert.equal(explained?.problem, 'no-such-user');
    assert.match(explained?.advice ?? '', /Immuta does not know "bob@exmaple\.com"\. Check the spelling/);
    assert.match(explainImpersonationError('synapse', error)?.advice ?? '', /Synapse user linked to the Immuta user: check the profile's userMap/);
  });

  it('leaves other failures alone: syntax errors, lost connections, bad passwords', () => {
    assert.equal(explainImpersonationError('redshift', new PlatformError('server', 'syntax error', { serverMessage: 'syntax error at or near "FORM"', code: '42601' })), undefined);
    assert.equal(explainImpersonationError('redshift', new PlatformError('connection-lost', 'The connection was lost while impersonating.', {})), undefined);
    assert.equal(explainImpersonationError('redshift', new PlatformError('authentication', 'password authentication failed for user "governor"', {})), undefined);
    assert.equal(explainImpersonationError('redshift', new Error(notPermitted)), undefined);
  });

  it('keeps the server\'s words and adds what to do in the one-line message', () => {
    const error = new PlatformError('permission', 'The server refused the statement.', { serverMessage: notPermitted, code: '42501' });
    const message = errorMessage(error, 'redshift', { user: 'bob@example.com' });
    assert.ok(message.includes(notPermitted), message);
    assert.match(message, /Ask an Immuta administrator to grant it, or stop impersonating/);
  });
});
