import * as assert from 'node:assert/strict';
import { pgpassPassword, pgpassRefusal } from '../../src/connections-import/pgpass';

/**
 * The password file as libpq documents it ("The Password File"): first match wins, `*` matches
 * a whole field, `\` escapes `:` and `\`, comments start with `#`, a socket connection matches
 * `localhost`, and a file others can read is ignored.
 */
describe('~/.pgpass matched as libpq matches it', () => {
  const query = { host: 'cluster.example.com', port: '5439', database: 'dev', user: 'gov' };

  it('takes the first line that matches, not the most specific one', () => {
    const file = ['*:*:*:gov:first', 'cluster.example.com:5439:dev:gov:second'].join('\n');
    assert.equal(pgpassPassword(file, query), 'first');
  });

  it('matches each of host, port, database and user by a `*` wildcard or the exact text', () => {
    assert.equal(pgpassPassword('cluster.example.com:*:*:gov:a', query), 'a');
    assert.equal(pgpassPassword('*:5439:*:*:b', query), 'b');
    assert.equal(pgpassPassword('*:*:dev:*:c', query), 'c');
    assert.equal(pgpassPassword('other.example.com:*:*:*:x\n*:5432:*:*:y\n*:*:prod:*:z\n*:*:*:admin:w', query), undefined);
  });

  it('compares the port as text (05439 is not 5439) and uses 5432 when the connection gives none', () => {
    assert.equal(pgpassPassword('*:05439:*:*:padded', query), undefined);
    assert.equal(pgpassPassword('*:5432:*:*:default', { ...query, port: undefined }), 'default');
  });

  it('treats `*` as a wildcard only when it is the whole field, and `\\*` as a literal star', () => {
    assert.equal(pgpassPassword('cluster*:*:*:*:prefix', query), undefined);
    assert.equal(pgpassPassword('*:*:\\*:*:star', { ...query, database: '*' }), 'star');
    assert.equal(pgpassPassword('*:*:\\*:*:star', query), undefined);
  });

  it('reads `\\:` as a colon and `\\\\` as a backslash, in fields and in the password', () => {
    assert.equal(pgpassPassword('*:*:d\\:b:*:pa\\:ss\\\\word', { ...query, database: 'd:b' }), 'pa:ss\\word');
    // `a\\` ends in an escaped backslash: the colon after it separates fields (pg's pgpass package gets this wrong).
    assert.equal(pgpassPassword('*:*:a\\\\:*:pw', { ...query, database: 'a\\' }), 'pw');
  });

  it('ends the password at the first unescaped colon, and skips comments and short valid lines alike by libpq\u2019s rules', () => {
    assert.equal(pgpassPassword('*:*:*:*:pw:extra', query), 'pw');
    assert.equal(pgpassPassword('#*:*:*:*:commented\n*:*:*:*:live', query), 'live');
    // 10 characters: a valid entry libpq reads (the pgpass package skips lines under 11).
    assert.equal(pgpassPassword('h:1:d:u:pw', { host: 'h', port: '1', database: 'd', user: 'u' }), 'pw');
  });

  it('matches `localhost` for a Unix socket connection and the user name for an unset database', () => {
    assert.equal(pgpassPassword('localhost:5432:gov:gov:sock', { host: '/var/run/postgresql', port: undefined, database: undefined, user: 'gov' }), 'sock');
  });

  it('reads CRLF files, and an incomplete line matches nothing', () => {
    assert.equal(pgpassPassword('*:*:*:*:crlf\r\n', query), 'crlf');
    assert.equal(pgpassPassword('cluster.example.com:5439', query), undefined);
  });

  it('refuses a file that the group or others can read, or that is not a plain file', () => {
    assert.equal(pgpassRefusal(0o100600), undefined);
    assert.match(pgpassRefusal(0o100644) ?? '', /group or world access/);
    assert.match(pgpassRefusal(0o040700) ?? '', /not a plain file/);
    assert.equal(pgpassRefusal(undefined), undefined, 'Windows: no modes, libpq reads the file');
  });
});
