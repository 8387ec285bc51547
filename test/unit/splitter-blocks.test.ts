/**
 * Procedural code that each platform's own client keeps whole: psql's parentheses and
 * BEGIN ATOMIC bodies, T-SQL blocks and batch-long definitions, Snowflake Scripting blocks, Trino
 * SQL routines and Databricks compound statements. Each block is one statement, a cursor anywhere
 * in it finds all of it, and what only looks like a block (`BEGIN TRANSACTION`, `CASE ... END`,
 * a column named `end`) changes nothing.
 */
import assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { splitStatements, statementAt, statementsInRange } from '../../src/sql/splitter';

function texts(sql: string, dialect: SqlDialectId): string[] {
  return splitStatements(sql, dialect).statements.map((statement) => statement.text);
}

/** The statement a cursor right before `marker`'s first occurrence finds. */
function atMarker(sql: string, dialect: SqlDialectId, marker: string): string | undefined {
  const offset = sql.indexOf(marker);
  assert.ok(offset >= 0, `marker ${marker} not in the text`);
  return statementAt(splitStatements(sql, dialect), offset)?.text;
}

describe('splitter: blocks as each platform client keeps them', () => {
  describe('postgres (psql rules)', () => {
    it('keeps a multi-action rule whole: a ; inside parentheses does not end the statement', () => {
      const sql = 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (new.id); DELETE FROM b WHERE id = new.id);\nSELECT 1;';
      assert.deepEqual(texts(sql, 'postgres'), [
        'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (new.id); DELETE FROM b WHERE id = new.id)',
        'SELECT 1',
      ]);
    });

    it('keeps BEGIN ATOMIC bodies of CREATE [OR REPLACE] FUNCTION|PROCEDURE whole, CASE ... END inside included', () => {
      const fn = "CREATE OR REPLACE FUNCTION f(x int) RETURNS text LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END;\n  SELECT 'x';\nEND";
      const proc = 'create procedure p() language sql begin atomic insert into t values (1); insert into t values (2); end';
      assert.deepEqual(texts(`${fn};\n${proc};\nSELECT 3;`, 'postgres'), [fn, proc, 'SELECT 3']);
    });

    it('treats BEGIN/END outside a routine definition as transaction statements, as psql does', () => {
      assert.deepEqual(texts('BEGIN; INSERT INTO t VALUES (1); END; BEGIN WORK; COMMIT;', 'postgres'), [
        'BEGIN',
        'INSERT INTO t VALUES (1)',
        'END',
        'BEGIN WORK',
        'COMMIT',
      ]);
    });

    it('looks only at the first four words for CREATE [OR REPLACE] FUNCTION|PROCEDURE, like psql', () => {
      // CREATE TEMP FUNCTION is no routine prefix to psql: its BEGIN counts for nothing.
      assert.deepEqual(texts('CREATE TABLE begin_t (a int); CREATE VIEW v AS SELECT 1 AS begin; SELECT 2;', 'postgres'), [
        'CREATE TABLE begin_t (a int)',
        'CREATE VIEW v AS SELECT 1 AS begin',
        'SELECT 2',
      ]);
    });

    it('reports an unclosed BEGIN ATOMIC or parenthesis as a problem, and runs to the end of the text as psql would', () => {
      const result = splitStatements('SELECT 1;\nCREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;\nSELECT 2;', 'postgres');
      assert.equal(result.statements.length, 2);
      assert.equal(result.problems.length, 1);
      assert.equal(result.problems[0].kind, 'unterminated-block');
      assert.match(result.problems[0].message, /BEGIN block starting at line 2, column 33 is never closed/);
      const paren = splitStatements('SELECT (1;\nSELECT 2;', 'postgres');
      assert.equal(paren.statements.length, 1);
      assert.match(paren.problems[0].message, /parenthesis starting at line 1, column 8 is never closed \(no matching \)\)/);
    });

    it('finds the whole body from a cursor anywhere inside it', () => {
      const sql = 'SELECT 0;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; /*here*/ SELECT 2; END;\nSELECT 3;';
      assert.match(atMarker(sql, 'postgres', '/*here*/') ?? '', /^CREATE FUNCTION[\s\S]*END$/);
    });
  });

  describe('tsql', () => {
    it('runs CREATE PROCEDURE (and ALTER, CREATE OR ALTER, FUNCTION, TRIGGER, VIEW) to the end of its batch', () => {
      const proc = 'CREATE PROCEDURE dbo.p AS\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND;';
      assert.deepEqual(texts(`SELECT 0;\nGO\n${proc}\nGO\nSELECT 3;`, 'tsql'), ['SELECT 0', proc, 'SELECT 3']);
      for (const head of ['ALTER PROC dbo.p AS', 'CREATE OR ALTER FUNCTION dbo.f() RETURNS int AS', 'CREATE TRIGGER tr ON t AFTER INSERT AS', 'CREATE VIEW v AS']) {
        assert.equal(splitStatements(`${head} SELECT 1; SELECT 2;`, 'tsql').statements.length, 1, head);
      }
    });

    it('keeps BEGIN ... END, TRY/CATCH, IF/ELSE and WHILE blocks whole, and ends them at their END without a ;', () => {
      const tryCatch = 'BEGIN TRY\n  SELECT 1/0;\nEND TRY\nBEGIN CATCH\n  SELECT ERROR_MESSAGE();\nEND CATCH';
      const ifElse = 'IF @x = 1\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND\nELSE\nBEGIN\n  SELECT 3;\nEND';
      const loop = 'WHILE @i < 3\nBEGIN\n  SET @i += 1;\n  PRINT @i;\nEND';
      assert.deepEqual(texts(`${tryCatch}\n${ifElse};\n${loop}\nSELECT 4;`, 'tsql'), [tryCatch, ifElse, loop, 'SELECT 4']);
    });

    it('keeps IF ...; ELSE ... as one statement', () => {
      assert.deepEqual(texts('IF 1 = 1 SELECT 1; ELSE SELECT 2; SELECT 3;', 'tsql'), ['IF 1 = 1 SELECT 1; ELSE SELECT 2', 'SELECT 3']);
    });

    it('does not take BEGIN TRAN, BEGIN DISTRIBUTED TRANSACTION, @end or CASE ... END for blocks', () => {
      assert.deepEqual(texts('BEGIN TRAN; DECLARE @end int = 1; SELECT CASE WHEN @end = 1 THEN 1 END AS [end]; COMMIT;', 'tsql'), [
        'BEGIN TRAN',
        'DECLARE @end int = 1',
        'SELECT CASE WHEN @end = 1 THEN 1 END AS [end]',
        'COMMIT',
      ]);
      assert.equal(splitStatements('BEGIN DISTRIBUTED TRANSACTION; SELECT 1;', 'tsql').statements.length, 2);
    });

    it('counts CASE ... END inside a block, so the block ends at its own END', () => {
      const block = 'BEGIN\n  SELECT CASE WHEN 1 = 1 THEN 1 END;\n  SELECT 2;\nEND';
      assert.deepEqual(texts(`${block}\nSELECT 3;`, 'tsql'), [block, 'SELECT 3']);
    });

    it('reports a block that a GO line cuts', () => {
      const result = splitStatements('BEGIN\n  SELECT 1;\nGO\nSELECT 2;', 'tsql');
      assert.equal(result.statements.length, 2);
      assert.match(result.problems[0]?.message ?? '', /BEGIN block starting at line 1, column 1 is never closed .*end of the batch/);
    });

    it('finds the whole outermost block from a cursor on any line of it', () => {
      const sql = 'SELECT 0;\nBEGIN TRY\n  SELECT 1;\nEND TRY\nBEGIN CATCH\n  PRINT 2; -- here\nEND CATCH;\nSELECT 3;';
      assert.match(atMarker(sql, 'tsql', 'PRINT 2') ?? '', /^BEGIN TRY[\s\S]*END CATCH$/);
      const result = splitStatements(sql, 'tsql');
      // A selection from inside the block to the next statement takes both, each whole.
      assert.equal(statementsInRange(result, sql.indexOf('PRINT'), sql.indexOf('SELECT 3') + 3).length, 2);
    });
  });

  describe('snowflake', () => {
    it('keeps anonymous blocks, with or without a DECLARE section, whole', () => {
      const plain = 'BEGIN\n  LET n := 1;\n  IF (n > 0) THEN\n    RETURN n;\n  END IF;\nEND';
      const declared = 'DECLARE\n  c1 CURSOR FOR SELECT 1;\n  total INT DEFAULT 0;\nBEGIN\n  FOR r IN c1 DO\n    total := total + 1;\n  END FOR;\n  RETURN total;\nEND';
      assert.deepEqual(texts(`${plain};\n${declared};\nSELECT 2;`, 'snowflake'), [plain, declared, 'SELECT 2']);
    });

    it('keeps a procedure body without $$ whole, and CASE ... END CASE inside it', () => {
      const proc = "CREATE OR REPLACE PROCEDURE p()\nRETURNS VARCHAR\nLANGUAGE SQL\nAS\nBEGIN\n  CASE (1)\n    WHEN 1 THEN RETURN 'one';\n  END CASE;\n  WHILE (TRUE) DO\n    BREAK;\n  END WHILE;\n  RETURN 'x';\nEND";
      const declared = 'CREATE PROCEDURE q() RETURNS INT LANGUAGE SQL AS\nDECLARE\n  x INT;\nBEGIN\n  x := 1;\n  RETURN x;\nEND';
      assert.deepEqual(texts(`${proc};\n${declared};\nCALL p();`, 'snowflake'), [proc, declared, 'CALL p()']);
    });

    it('keeps a task whose body is a scripting block whole', () => {
      const task = "CREATE OR REPLACE TASK t WAREHOUSE = w SCHEDULE = '1 minute' AS\nBEGIN\n  INSERT INTO a VALUES (1);\n  DELETE FROM b;\nEND";
      assert.deepEqual(texts(`${task};\nALTER TASK t RESUME;`, 'snowflake'), [task, 'ALTER TASK t RESUME']);
    });

    it('tells transactions from blocks: BEGIN; BEGIN TRANSACTION; BEGIN WORK; BEGIN NAME t', () => {
      assert.deepEqual(texts('BEGIN; BEGIN TRANSACTION; BEGIN WORK; BEGIN NAME t; COMMIT;', 'snowflake'), [
        'BEGIN',
        'BEGIN TRANSACTION',
        'BEGIN WORK',
        'BEGIN NAME t',
        'COMMIT',
      ]);
    });

    it('keeps EXECUTE IMMEDIATE $$ ... $$ whole, and a cursor inside a block finds the block', () => {
      const sql = 'EXECUTE IMMEDIATE $$\nBEGIN\n  RETURN 1;\nEND;\n$$;\nBEGIN\n  SELECT 1; -- here\nEND;';
      assert.equal(splitStatements(sql, 'snowflake').statements.length, 2);
      assert.match(atMarker(sql, 'snowflake', '-- here') ?? '', /^BEGIN\n {2}SELECT 1; -- here\nEND$/);
    });

    it('reads a column named begin or a qualified t.end as names', () => {
      assert.deepEqual(texts('SELECT begin, t.end FROM t; SELECT 2;', 'snowflake'), ['SELECT begin, t.end FROM t', 'SELECT 2']);
    });
  });

  describe('trino', () => {
    it('keeps CREATE FUNCTION ... BEGIN ... END routines whole, with IF/WHILE/REPEAT/LOOP/CASE inside', () => {
      const routine = [
        'CREATE FUNCTION meaning() RETURNS bigint',
        'BEGIN',
        '  DECLARE x bigint DEFAULT 42;',
        '  IF x > 0 THEN SET x = x + 0; ELSEIF x < 0 THEN SET x = 0; END IF;',
        '  WHILE x < 42 DO SET x = x + 1; END WHILE;',
        '  REPEAT SET x = x + 1; UNTIL x > 42 END REPEAT;',
        '  abc: LOOP LEAVE abc; END LOOP;',
        '  CASE x WHEN 43 THEN RETURN x; ELSE RETURN 0; END CASE;',
        '  RETURN CASE WHEN x > 0 THEN x END;',
        'END',
      ].join('\n');
      assert.deepEqual(texts(`${routine};\nSELECT meaning();`, 'trino'), [routine, 'SELECT meaning()']);
    });

    it('keeps an inline WITH FUNCTION routine and its query as one statement', () => {
      const inline = 'WITH FUNCTION twice(x integer) RETURNS integer BEGIN DECLARE y integer DEFAULT x * 2; RETURN y; END\nSELECT twice(21)';
      assert.deepEqual(texts(`${inline};\nSELECT 1;`, 'trino'), [inline, 'SELECT 1']);
    });
  });

  describe('spark (Databricks SQL scripting)', () => {
    it('keeps compound statements whole, with labels, nested blocks, handlers and every END form', () => {
      const compound = [
        'outer_block: BEGIN',
        '  DECLARE x INT DEFAULT 0;',
        '  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN SELECT 1; END;',
        '  inner_block: BEGIN SET x = 1; END inner_block;',
        '  WHILE x < 3 DO SET x = x + 1; END WHILE;',
        '  LOOP SET x = x + 1; IF x > 5 THEN LEAVE outer_block; END IF; END LOOP;',
        '  REPEAT SET x = x - 1; UNTIL x < 0 END REPEAT;',
        '  FOR r AS SELECT id FROM t DO SELECT r.id; END FOR;',
        '  CASE WHEN x = 1 THEN SELECT 1; ELSE SELECT 2; END CASE;',
        'END outer_block',
      ].join('\n');
      assert.deepEqual(texts(`${compound};\nSELECT x;`, 'spark'), [compound, 'SELECT x']);
    });

    it('leaves DECLARE VARIABLE, BEGIN TRANSACTION and CASE expressions at the top level alone', () => {
      assert.deepEqual(texts('DECLARE VARIABLE v INT DEFAULT 1; BEGIN TRANSACTION; SELECT CASE WHEN v = 1 THEN 1 END; COMMIT;', 'spark'), [
        'DECLARE VARIABLE v INT DEFAULT 1',
        'BEGIN TRANSACTION',
        'SELECT CASE WHEN v = 1 THEN 1 END',
        'COMMIT',
      ]);
    });

    it('reports a compound statement that never ends', () => {
      const result = splitStatements('BEGIN\n  SELECT 1;\n  SELECT 2;', 'spark');
      assert.equal(result.statements.length, 1);
      assert.equal(result.problems[0]?.kind, 'unterminated-block');
    });
  });
});
