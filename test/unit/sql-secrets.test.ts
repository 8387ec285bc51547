import assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { redactSecrets, redactSecretsFor, scrubSecrets } from '../../src/sql/secrets';

/** Redacts, and checks that no secret survives anywhere in the text. */
function redacted(statement: string, dialect: SqlDialectId, secrets: readonly string[] = []): string {
  const result = redactSecrets(statement, dialect);
  for (const secret of secrets) {
    assert.ok(!result.text.includes(secret), `${secret} survived in ${result.text}`);
    assert.ok(result.secrets.includes(secret), `${secret} is reported for scrubbing (got ${JSON.stringify(result.secrets)})`);
  }
  return result.text;
}

function unchanged(statement: string, dialect: SqlDialectId): void {
  const result = redactSecrets(statement, dialect);
  assert.equal(result.text, statement);
  assert.deepEqual(result.secrets, []);
}

describe('secret redaction in statements', () => {
  describe('Redshift (postgres lexing)', () => {
    it('COPY and UNLOAD: CREDENTIALS, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, MASTER_SYMMETRIC_KEY; IAM_ROLE is kept', () => {
      assert.equal(
        redacted(
          "COPY sales FROM 's3://bucket/sales' CREDENTIALS 'aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key=wJalrXUtn' IAM_ROLE 'arn:aws:iam::0123:role/Copy' CSV",
          'postgres',
          ['aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key=wJalrXUtn'],
        ),
        "COPY sales FROM 's3://bucket/sales' CREDENTIALS '***' IAM_ROLE 'arn:aws:iam::0123:role/Copy' CSV",
      );
      assert.equal(
        redacted("copy t from 's3://b/k'\nwith credentials as 'aws_iam_role=arn:x;token=abc'", 'postgres', ['aws_iam_role=arn:x;token=abc']),
        "copy t from 's3://b/k'\nwith credentials as '***'",
      );
      assert.equal(
        redacted(
          "UNLOAD ('select * from t where note = ''password ''''x''''''') TO 's3://b/p' ACCESS_KEY_ID 'AKIA1' SECRET_ACCESS_KEY 'sec2' SESSION_TOKEN 'tok3' MASTER_SYMMETRIC_KEY 'root4' ENCRYPTED",
          'postgres',
          ['AKIA1', 'sec2', 'tok3', 'root4'],
        ),
        "UNLOAD ('select * from t where note = ''password ''''x''''''') TO 's3://b/p' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***' MASTER_SYMMETRIC_KEY '***' ENCRYPTED",
      );
    });

    it("CREATE/ALTER USER ... PASSWORD, md5 hashes and dollar quotes included; PASSWORD DISABLE is left alone", () => {
      assert.equal(redacted("CREATE USER bob PASSWORD 'md53f2b9c' VALID UNTIL '2030-01-01'", 'postgres', ['md53f2b9c']), "CREATE USER bob PASSWORD '***' VALID UNTIL '2030-01-01'");
      assert.equal(redacted("alter user bob with password 'Hunter2x'", 'postgres', ['Hunter2x']), "alter user bob with password '***'");
      assert.equal(redacted('ALTER USER bob PASSWORD $pw$a;b$pw$', 'postgres', ['a;b']), 'ALTER USER bob PASSWORD $pw$***$pw$');
      unchanged('ALTER USER bob PASSWORD DISABLE', 'postgres');
    });
  });

  describe('Snowflake', () => {
    it('CREDENTIALS = (AWS_KEY_ID, AWS_SECRET_KEY, AWS_TOKEN), AZURE_SAS_TOKEN and ENCRYPTION MASTER_KEY', () => {
      assert.equal(
        redacted(
          "CREATE STAGE s URL='s3://b/' CREDENTIALS=(AWS_KEY_ID='AKIA1' AWS_SECRET_KEY='sec2' AWS_TOKEN='tok3') ENCRYPTION=(TYPE='AWS_CSE' MASTER_KEY='bWFzdGVy')",
          'snowflake',
          ['AKIA1', 'sec2', 'tok3', 'bWFzdGVy'],
        ),
        "CREATE STAGE s URL='s3://b/' CREDENTIALS=(AWS_KEY_ID='***' AWS_SECRET_KEY='***' AWS_TOKEN='***') ENCRYPTION=(TYPE='AWS_CSE' MASTER_KEY='***')",
      );
      assert.equal(
        redacted("copy into t from 'azure://acct.blob.core.windows.net/c' credentials = ( azure_sas_token = '?sv=2020&sig=abc' )", 'snowflake', ['?sv=2020&sig=abc']),
        "copy into t from 'azure://acct.blob.core.windows.net/c' credentials = ( azure_sas_token = '***' )",
      );
    });

    it('CREATE/ALTER USER PASSWORD, with backslash escapes and $$ strings', () => {
      assert.equal(redacted("CREATE USER u PASSWORD = 'a\\'b' LOGIN_NAME = 'u'", 'snowflake', ["a\\'b", "a'b"]), "CREATE USER u PASSWORD = '***' LOGIN_NAME = 'u'");
      assert.equal(redacted("ALTER USER u SET PASSWORD = $$p'w$$ MUST_CHANGE_PASSWORD = TRUE", 'snowflake', ["p'w"]), 'ALTER USER u SET PASSWORD = $$***$$ MUST_CHANGE_PASSWORD = TRUE');
    });

    it('secret objects and integrations: SECRET_STRING, OAUTH_CLIENT_SECRET, OAUTH_REFRESH_TOKEN, API_KEY', () => {
      assert.equal(
        redacted("CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'gs1'", 'snowflake', ['gs1']),
        "CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = '***'",
      );
      assert.equal(
        redacted("CREATE SECRET s TYPE = PASSWORD USERNAME = 'svc' PASSWORD = 'pw0'", 'snowflake', ['pw0']),
        "CREATE SECRET s TYPE = PASSWORD USERNAME = 'svc' PASSWORD = '***'",
      );
      assert.equal(redacted("CREATE API INTEGRATION a API_PROVIDER = git_https_api API_KEY = 'ak1'", 'snowflake', ['ak1']), "CREATE API INTEGRATION a API_PROVIDER = git_https_api API_KEY = '***'");
      assert.equal(
        redacted("CREATE SECURITY INTEGRATION i TYPE = EXTERNAL_OAUTH OAUTH_CLIENT_SECRET = 'cs1' OAUTH_REFRESH_TOKEN = 'rt2'", 'snowflake', ['cs1', 'rt2']),
        "CREATE SECURITY INTEGRATION i TYPE = EXTERNAL_OAUTH OAUTH_CLIENT_SECRET = '***' OAUTH_REFRESH_TOKEN = '***'",
      );
      unchanged("ALTER USER u SET RSA_PUBLIC_KEY = 'MIIBIjAN' DEFAULT_ROLE = analyst", 'snowflake');
      unchanged("CREATE STAGE s URL = 's3://b/' CREDENTIALS = (AWS_ROLE = 'arn:aws:iam::1:role/r')", 'snowflake');
    });
  });

  describe('Synapse (T-SQL)', () => {
    it("CREATE LOGIN / CREATE USER ... WITH PASSWORD = N'...', doubled quotes inside", () => {
      assert.equal(redacted("CREATE LOGIN bob WITH PASSWORD = N'it''s;long' MUST_CHANGE, CHECK_EXPIRATION = ON", 'tsql', ["it''s;long", "it's;long"]), "CREATE LOGIN bob WITH PASSWORD = N'***' MUST_CHANGE, CHECK_EXPIRATION = ON");
      assert.equal(redacted("CREATE USER [bob] WITH PASSWORD = 'Pw1!'", 'tsql', ['Pw1!']), "CREATE USER [bob] WITH PASSWORD = '***'");
    });

    it('ALTER LOGIN ... PASSWORD and OLD_PASSWORD, and hashed passwords', () => {
      assert.equal(redacted("ALTER LOGIN bob WITH PASSWORD = 'new1' OLD_PASSWORD = 'old2'", 'tsql', ['new1', 'old2']), "ALTER LOGIN bob WITH PASSWORD = '***' OLD_PASSWORD = '***'");
      assert.equal(redacted('CREATE LOGIN x WITH PASSWORD = 0x0200ABCDEF HASHED', 'tsql', ['0200ABCDEF']), 'CREATE LOGIN x WITH PASSWORD = 0x*** HASHED');
    });

    it('DATABASE SCOPED CREDENTIAL: SECRET goes, IDENTITY stays; master keys; COPY INTO credentials', () => {
      assert.equal(
        redacted("CREATE DATABASE SCOPED CREDENTIAL sas WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = 'sv=2022&sig=xyz'", 'tsql', ['sv=2022&sig=xyz']),
        "CREATE DATABASE SCOPED CREDENTIAL sas WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '***'",
      );
      assert.equal(redacted("CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'mk-pw'", 'tsql', ['mk-pw']), "CREATE MASTER KEY ENCRYPTION BY PASSWORD = '***'");
      assert.equal(redacted("OPEN MASTER KEY DECRYPTION BY PASSWORD = 'mk-pw'", 'tsql', ['mk-pw']), "OPEN MASTER KEY DECRYPTION BY PASSWORD = '***'");
      assert.equal(
        redacted("COPY INTO t FROM 'https://a.blob.core.windows.net/c/' WITH (FILE_TYPE = 'CSV', CREDENTIAL = (IDENTITY = 'Storage Account Key', SECRET = 'acctkey=='))", 'tsql', ['acctkey==']),
        "COPY INTO t FROM 'https://a.blob.core.windows.net/c/' WITH (FILE_TYPE = 'CSV', CREDENTIAL = (IDENTITY = 'Storage Account Key', SECRET = '***'))",
      );
    });

    it('finds a CREATE LOGIN after a query in the same batch (T-SQL needs no ;)', () => {
      assert.equal(redacted("SELECT 1\nCREATE LOGIN x WITH PASSWORD = 'pw3'", 'tsql', ['pw3']), "SELECT 1\nCREATE LOGIN x WITH PASSWORD = '***'");
    });
  });

  describe('Databricks (Spark) and Trino', () => {
    it('connection and JDBC table OPTIONS, whether names and values are words, strings or "strings"', () => {
      assert.equal(
        redacted("CREATE CONNECTION pg TYPE postgresql OPTIONS (host 'db.example', port '5432', user 'svc', password 'pw4')", 'spark', ['pw4']),
        "CREATE CONNECTION pg TYPE postgresql OPTIONS (host 'db.example', port '5432', user 'svc', password '***')",
      );
      assert.equal(
        redacted('CREATE TABLE t USING JDBC OPTIONS (url "jdbc:postgresql://h/db", "password" = "p\\"w5", dbtable "x")', 'spark', ['p\\"w5', 'p"w5']),
        'CREATE TABLE t USING JDBC OPTIONS (url "jdbc:postgresql://h/db", "password" = "***", dbtable "x")',
      );
      assert.equal(
        redacted("ALTER CONNECTION c OPTIONS ('client_secret' 'cs6', 'pem_private_key' 'pk7')", 'spark', ['cs6', 'pk7']),
        "ALTER CONNECTION c OPTIONS ('client_secret' '***', 'pem_private_key' '***')",
      );
    });

    it('Trino catalog properties named *-password and *-secret-key', () => {
      assert.equal(
        redacted(`CREATE CATALOG pg USING postgresql WITH ("connection-url" = 'jdbc:postgresql://h/db', "connection-user" = 'svc', "connection-password" = 'pw8')`, 'trino', ['pw8']),
        `CREATE CATALOG pg USING postgresql WITH ("connection-url" = 'jdbc:postgresql://h/db', "connection-user" = 'svc', "connection-password" = '***')`,
      );
      assert.equal(redacted(`CREATE CATALOG h USING hive WITH ("s3.aws-secret-key" = 'sk9')`, 'trino', ['sk9']), `CREATE CATALOG h USING hive WITH ("s3.aws-secret-key" = '***')`);
    });
  });

  describe('hostile spellings', () => {
    it('any case, line breaks and comments between the keyword and its literal', () => {
      assert.equal(redacted("create user bob\n  PaSsWoRd\r\n  /* set below */ -- really\n  'pw10'", 'postgres', ['pw10']), "create user bob\n  PaSsWoRd\r\n  /* set below */ -- really\n  '***'");
      assert.equal(redacted("ALTER USER u SET PASSWORD // why\n = 'pw11'", 'snowflake', ['pw11']), "ALTER USER u SET PASSWORD // why\n = '***'");
    });

    it("a quote, a semicolon or a comment marker inside the secret does not end it", () => {
      assert.equal(redacted("CREATE USER bob PASSWORD 'a''b;c--d/*e'", 'postgres', ["a''b;c--d/*e", "a'b;c--d/*e"]), "CREATE USER bob PASSWORD '***'");
      assert.equal(redacted("CREATE USER bob PASSWORD E'a\\'b;c'", 'postgres', ["a\\'b;c", "a'b;c"]), "CREATE USER bob PASSWORD E'***'");
    });

    it('a secret that is never closed is redacted to the end', () => {
      assert.equal(redacted("CREATE USER bob PASSWORD 'pw12 VALID UNTIL", 'postgres', ['pw12 VALID UNTIL']), "CREATE USER bob PASSWORD '***");
    });

    it('a sub-query does not end the credentials around it', () => {
      assert.equal(
        redacted("COPY INTO 's3://b/out/' FROM (SELECT id FROM t WHERE kind = 'x') CREDENTIALS = (AWS_SECRET_KEY = 'sk13')", 'snowflake', ['sk13']),
        "COPY INTO 's3://b/out/' FROM (SELECT id FROM t WHERE kind = 'x') CREDENTIALS = (AWS_SECRET_KEY = '***')",
      );
    });

    it('commented-out credentials are redacted in every statement, apostrophes in the prose notwithstanding', () => {
      assert.equal(
        redacted("ALTER USER bob\n  -- don't reuse: PASSWORD 'old14'\n  PASSWORD 'new15'", 'postgres', ['old14', 'new15']),
        "ALTER USER bob\n  -- don't reuse: PASSWORD '***'\n  PASSWORD '***'",
      );
      assert.equal(redacted("SELECT 1 /* was: ALTER USER x PASSWORD = 'old16' */", 'snowflake', ['old16']), "SELECT 1 /* was: ALTER USER x PASSWORD = '***' */");
    });
  });

  describe('statements that are left exactly as they are', () => {
    it('queries and DML about columns named password, secret or token', () => {
      unchanged("SELECT password, secret, token FROM users WHERE password = 'x' AND token = 'y'", 'postgres');
      unchanged("UPDATE users SET password = 'x' WHERE id = 1", 'tsql');
      unchanged("INSERT INTO users (name, password) VALUES ('bob', 'x')", 'snowflake');
      unchanged("MERGE INTO u USING s ON u.id = s.id WHEN MATCHED THEN UPDATE SET password = 'x'", 'snowflake');
      unchanged("DELETE FROM users WHERE password = 'x'", 'trino');
      unchanged("WITH c AS (SELECT * FROM users WHERE password = 'x') SELECT * FROM c", 'spark');
      unchanged("CREATE VIEW v AS SELECT * FROM users WHERE password = 'x'", 'postgres');
    });

    it('DDL that names secret columns without giving a value, and comments without a literal', () => {
      unchanged("CREATE TABLE users (id INT, password VARCHAR(64) DEFAULT 'changeme', token TEXT)", 'postgres');
      unchanged("-- rotate the password monthly\nALTER USER bob PASSWORD DISABLE", 'postgres');
      unchanged("SELECT 'PASSWORD' AS label", 'tsql');
      unchanged("CREATE STAGE s URL = 's3://b/' STORAGE_INTEGRATION = si", 'snowflake');
      unchanged('', 'postgres');
    });
  });

  it('for an unknown dialect, keeps the text only when every dialect agrees on it', () => {
    assert.deepEqual(redactSecretsFor("CREATE USER bob PASSWORD 'pw17'", undefined), { text: "CREATE USER bob PASSWORD '***'", secrets: ['pw17'] });
    // Backslashes escape in Snowflake and Spark, not in PostgreSQL: the dialects disagree.
    const disputed = redactSecretsFor("CREATE USER bob PASSWORD 'a\\' x 'b'", undefined);
    assert.equal(disputed.text, null);
    assert.ok(disputed.secrets.includes('a\\'));
  });

  it('scrubs the secrets from other text, such as a server error that quotes them', () => {
    const { secrets } = redactSecrets("CREATE USER bob PASSWORD 'it''s-pw'", 'postgres');
    assert.equal(scrubSecrets(`syntax error at or near "'it''s-pw'" (it's-pw)`, secrets), `syntax error at or near "'***'" (***)`);
    const copy = redactSecrets("COPY t FROM 's3://b/' CREDENTIALS 'aws_access_key_id=AKIA0X;aws_secret_access_key=sk-123'", 'postgres').secrets;
    assert.equal(scrubSecrets('The AWS Access Key Id AKIA0X you provided does not exist (secret sk-123)', copy), 'The AWS Access Key Id *** you provided does not exist (secret ***)');
    assert.equal(scrubSecrets('password authentication failed for "ab"', ['ab']), 'password authentication failed for "ab"', 'two characters are too short to find');
  });
});
