import * as assert from 'node:assert/strict';
import { preloginEncryption, poolConfig, guardedConnector } from '../../src/platforms/synapse/connect';
import { classifyStatement, immutaUserFor, synapseUserFor, validateUserName } from '../../src/platforms/synapse/dialect';
import { endsSession, linePosition, mapStatementError } from '../../src/platforms/synapse/errors';
import { cellValue, typeName } from '../../src/platforms/synapse/values';
import type { SynapseProfile } from '../../src/platforms/types';
import { splitStatements } from '../../src/sql/splitter';

const profile: SynapseProfile = {
  name: 'p',
  platform: 'synapse',
  server: 'ws.sql.azuresynapse.net',
  port: 1433,
  database: 'db',
  user: 'me',
  auth: 'sql',
  encrypt: true,
  trustServerCertificate: false,
  userMap: {},
  connectTimeoutMs: 1000,
};

describe('synapse dialect', () => {
  describe('classifyStatement', () => {
    const cases: Array<[string, ReturnType<typeof classifyStatement>]> = [
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob';", { kind: 'impersonate', user: 'bob' }],
      ["exec sp_set_session_context @key=N'immuta_user',@value=N'o''brien'", { kind: 'impersonate', user: "o'brien" }],
      ["EXECUTE [sys].[sp_set_session_context] N'immuta_user', N'bob'", { kind: 'impersonate', user: 'bob' }],
      ["-- as Immuta documents it\nEXEC sys.sp_set_session_context @key = N'immuta_user',\n@value = 'bob';", { kind: 'impersonate', user: 'bob' }],
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob', @read_only = 0", { kind: 'impersonate', user: 'bob' }],
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL", { kind: 'stop-impersonating' }],
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = ''", { kind: 'stop-impersonating' }],
      // Immuta's docs print this to end impersonation; it sets a key named 'NULL', nothing else.
      ["EXEC sys.sp_set_session_context @key = N'NULL', @value = 'NULL'", { kind: 'ordinary' }],
      ["EXEC sys.sp_set_session_context @key = N'other_key', @value = 'x'", { kind: 'ordinary' }],
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @who", { kind: 'impersonation-unparsed' }],
      ["EXEC sys.sp_set_session_context @key = @k, @value = N'bob'", { kind: 'impersonation-unparsed' }],
      ["EXEC sp_executesql N'EXEC sys.sp_set_session_context @key = N''immuta_user'', @value = N''bob'''", { kind: 'impersonation-embedded' }],
      ["SELECT SESSION_CONTEXT(N'immuta_user')", { kind: 'ordinary' }],
      ["SELECT 'sp_set_session_context' AS word", { kind: 'ordinary' }],
      ['SELECT 1', { kind: 'ordinary' }],
    ];
    for (const [sql, effect] of cases) {
      it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), effect));
    }
  });

  describe('impersonation inside a batch, block, procedure or dynamic SQL is refused as embedded', () => {
    const DOCUMENTED = "EXEC sys.sp_set_session_context @key = N'immuta_user',\n@value = 'bob';";
    const embedded = [
      // Immuta's documented statement, then a query in the same batch (with and without `;`).
      `${DOCUMENTED}\nSELECT * FROM sales.customers;`,
      "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob'\nSELECT * FROM sales.customers",
      "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL SELECT 1",
      "SELECT 1;\nEXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL;",
      "DECLARE @x int = 1;\nEXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'bob';\nSELECT @x;",
      // Blocks and procedures the splitter keeps whole.
      `CREATE PROCEDURE dbo.as_bob AS\nBEGIN\n  ${DOCUMENTED}\n  SELECT 1;\nEND`,
      `BEGIN TRY\n  ${DOCUMENTED}\nEND TRY\nBEGIN CATCH\n  SELECT ERROR_MESSAGE();\nEND CATCH`,
      "IF @@ROWCOUNT = 0\nBEGIN\n  EXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL;\nEND",
      "WHILE 1 = 0 EXEC sys.sp_set_session_context N'immuta_user', N'bob'",
      // Another key first, then immuta_user: the whole batch runs, so the second call would count.
      "EXEC sys.sp_set_session_context @key = N'other', @value = 'x';\nEXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob';",
      "EXEC sys.sp_set_session_context @key = N'a', @value = 1; EXEC sys.sp_set_session_context @key = @k, @value = N'bob'",
      // Dynamic SQL.
      "EXEC('EXEC sys.sp_set_session_context @key = N''immuta_user'', @value = N''bob''')",
      // A return status captured: still inside a larger statement.
      "EXEC @rc = sys.sp_set_session_context @key = N'immuta_user', @value = 'bob'; SELECT @rc",
    ];
    for (const sql of embedded) {
      it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), { kind: 'impersonation-embedded' }));
    }

    it('the documented statement alone is still followed, however it is laid out', () => {
      assert.deepEqual(classifyStatement(`-- impersonate bob\n${DOCUMENTED}\n`), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyStatement("EXEC sys.sp_set_session_context N'immuta_user', N'bob', 0;"), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyStatement("EXEC [master].[sys].[sp_set_session_context] @key = N'immuta_user', @value = NULL"), { kind: 'stop-impersonating' });
    });

    it('batches and blocks that leave immuta_user alone stay ordinary', () => {
      for (const sql of [
        'CREATE PROCEDURE dbo.p AS BEGIN SELECT 1; SELECT 2; END',
        "EXEC sys.sp_set_session_context @key = N'app', @value = 'x'; SELECT SESSION_CONTEXT(N'app')",
        "BEGIN TRY SELECT 1/0; END TRY BEGIN CATCH SELECT SESSION_CONTEXT(N'immuta_user'); END CATCH",
        'DECLARE @x int = 1; SELECT @x;',
      ]) {
        assert.deepEqual(classifyStatement(sql), { kind: 'ordinary' }, sql);
      }
    });
  });

  it('validates user names: empty, padded, control characters, too long for a session context value', () => {
    assert.equal(validateUserName("o'brien"), undefined);
    assert.equal(validateUserName('Zoë 山田 🚀'), undefined);
    assert.match(validateUserName('') ?? '', /empty/);
    assert.match(validateUserName(' bob') ?? '', /spaces/);
    assert.match(validateUserName('a\nb') ?? '', /control character/);
    assert.match(validateUserName('x'.repeat(4001)) ?? '', /at most 4000/);
    assert.equal(validateUserName('x'.repeat(4000)), undefined);
  });

  it('maps Immuta users to Synapse users and back', () => {
    const map = { 'bob@example.com': 'bob', 'alias@example.com': 'shared', 'other@example.com': 'shared' };
    assert.equal(synapseUserFor('bob@example.com', map), 'bob');
    assert.equal(synapseUserFor('carol@example.com', map), 'carol@example.com');
    assert.equal(synapseUserFor('toString', map), 'toString', 'no prototype keys');
    assert.equal(immutaUserFor('bob', map), 'bob@example.com');
    assert.equal(immutaUserFor('shared', map, 'other@example.com'), 'other@example.com', 'the one last applied wins');
    assert.equal(immutaUserFor('shared', map), 'shared', 'ambiguous: the Synapse name itself');
  });

  it('splits GO batches as SQL Server tools do', () => {
    const result = splitStatements("SELECT 1; SELECT 2\nGO\nEXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob'\ngo 3\nSELECT 'GO'\n", 'tsql');
    assert.deepEqual(result.statements.map((statement) => [statement.text, statement.batch]), [
      ['SELECT 1', 0],
      ['SELECT 2', 0],
      ["EXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'bob'", 1],
      ["SELECT 'GO'", 2],
    ]);
    assert.deepEqual(result.batchSeparators?.map((separator) => separator.count), [1, 3]);
  });
});

describe('synapse errors and values', () => {
  it('turns a reported line into the span of that line, blanks around it left out (multi-line texts only)', () => {
    const sql = 'SELECT 1,\n  broken  \r\nFROM t';
    assert.deepEqual(linePosition(sql, 2), { offset: sql.indexOf('broken'), length: 'broken'.length });
    assert.deepEqual(linePosition(sql, 3), { offset: sql.indexOf('FROM'), length: 'FROM t'.length });
    // Line 1 of a batch of several lines says which one: it gets a position too.
    assert.deepEqual(linePosition(sql, 1), { offset: 0, length: 'SELECT 1,'.length });
    assert.deepEqual(linePosition('\n\tx\r\r', 2), { offset: 2, length: 1 });
    assert.equal(linePosition(sql, 0), undefined);
    assert.equal(linePosition(sql, 9), undefined);
    assert.equal(linePosition('SELECT 1', 1), undefined);
  });

  it('maps SQL Server errors by number: permission, cancel, lost connection', () => {
    const denied = Object.assign(new Error('The SELECT permission was denied'), { number: 229, lineNumber: 1, state: 5, class: 14 });
    assert.equal(mapStatementError(denied, 'SELECT 1', false).kind, 'permission');
    assert.equal(mapStatementError(Object.assign(new Error('Canceled.'), { code: 'ECANCEL' }), 'x', false).kind, 'cancelled');
    const lost = mapStatementError(Object.assign(new Error('Connection lost - read ECONNRESET'), { code: 'ESOCKET' }), 'x', false);
    assert.equal(lost.kind, 'connection-lost');
    assert.equal(lost.notSent, false);
    assert.match(lost.message, /may or may not have completed/);
    // Severity 20 and above ends the session (a KILL): said in the server's words, sent, and over.
    const kill = Object.assign(new Error('Cannot continue the execution because the session is in the kill state.'), { number: 596, lineNumber: 1, state: 1, class: 21 });
    assert.ok(endsSession(kill));
    const killed = mapStatementError(kill, 'SELECT 1', false);
    assert.deepEqual([killed.kind, killed.notSent, killed.code], ['connection-lost', false, '596']);
    assert.equal(killed.message, "The database ended this worksheet's session (Cannot continue the execution because the session is in the kill state). The statement may or may not have completed.");
    assert.ok(!endsSession(denied));
  });

  it('names columns with SQL Server types and keeps values exact', () => {
    assert.equal(typeName({ index: 0, name: 'n', nullable: true, type: { declaration: 'decimal' }, precision: 6, scale: 2 }), 'decimal(6,2)');
    const decimal = { index: 0, name: 'n', nullable: true, type: { declaration: 'decimal' }, precision: 6, scale: 2 };
    assert.equal(cellValue(12.5, decimal), '12.50');
    assert.equal(cellValue('9007199254740993', { index: 0, name: 'b', nullable: true, type: { declaration: 'bigint' } }), '9007199254740993');
    assert.equal(cellValue(new Date(Date.UTC(2024, 1, 29)), { index: 0, name: 'd', nullable: true, type: { declaration: 'date' } }), '2024-02-29');
    assert.equal(cellValue(Buffer.from([1, 171]), { index: 0, name: 'v', nullable: true, type: { declaration: 'varbinary' } }), '0x01AB');
    assert.equal(cellValue(null, decimal), null);
  });

  it('reads the ENCRYPTION answer of a PRELOGIN payload', () => {
    // VERSION (6 bytes at 11), ENCRYPTION (1 byte at 17), terminator.
    const payload = Buffer.from([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 0, 0, 0, 0, 0x02]);
    assert.equal(preloginEncryption(payload), 0x02);
    payload[17] = 0x01;
    assert.equal(preloginEncryption(payload), 0x01);
  });

  it('configures sign-in per auth kind; device code is refused with a reason', () => {
    const connector = guardedConnector('x', true, () => undefined);
    const sql = poolConfig(profile, { password: 'pw' }, connector, () => undefined);
    assert.deepEqual([sql.user, sql.password, sql.authentication], ['me', 'pw', undefined]);
    assert.equal(sql.options.encrypt, true);
    assert.equal(sql.validateConnection, 'socket');
    assert.deepEqual(sql.pool, { max: 1, min: 1, idleTimeoutMillis: 2_147_483_647 });
    const principal = poolConfig({ ...profile, auth: 'azure-ad-service-principal', user: 'app-id', tenantId: 't' }, { token: 's3cret' }, connector, () => undefined);
    assert.deepEqual(principal.authentication, { type: 'azure-active-directory-service-principal-secret', options: { clientId: 'app-id', clientSecret: 's3cret', tenantId: 't' } });
    assert.throws(() => poolConfig({ ...profile, auth: 'azure-ad-password' }, { password: 'pw' }, connector, () => undefined), /clientId/);
    const password = poolConfig({ ...profile, auth: 'azure-ad-password', clientId: 'c' }, { password: 'pw' }, connector, () => undefined);
    assert.equal(password.authentication?.type, 'azure-active-directory-password');
    assert.throws(() => poolConfig({ ...profile, auth: 'azure-ad-device-code', tenantId: 't' }, {}, connector, () => undefined), /device-code sign-in is not available/);
    assert.equal(poolConfig({ ...profile, ca: 'PEM' }, {}, connector, () => undefined).options.cryptoCredentialsDetails !== undefined, true);
  });
});
