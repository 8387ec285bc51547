import * as assert from 'node:assert/strict';
import { SNOWFLAKE_BLOCK, SYNAPSE_PROCEDURE, type BlockFile } from './block-files';
import { ResultsView } from './results-view';
import { flow, until } from './scenario';
import { openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

/**
 * A procedural block is one statement, as the platform's own client sends it: the worksheet shows
 * one Run CodeLens for the whole block (none inside it, one for the statement before and after),
 * and running it sends the block whole, in one request the lab's server records.
 */
interface BlockWorksheet {
  /** Written before the workbench started (block-files.ts): a statement, the block, a statement. */
  readonly file: BlockFile;
  readonly connection: string;
  /** The first line of each statement, where its lens stands. */
  readonly statementLines: readonly string[];
  /** The block as one statement (what must reach the server, whole). */
  readonly block: string;
  /** A statement inside the block that nothing else sends: every request holding it is counted. */
  readonly inner: string;
  /** Texts of the statements the lab's server received so far. */
  readonly sent: () => string[];
}

const SYNAPSE: BlockWorksheet = {
  file: 'synapse-procedure.sql',
  connection: 'Lab Synapse (governor)',
  statementLines: ['SELECT count(*) AS before_block FROM sales.customers;', 'CREATE PROCEDURE dbo.p AS', 'SELECT count(*) AS after_block FROM sales.customers;'],
  block: SYNAPSE_PROCEDURE,
  inner: 'SELECT 2',
  sent: () => ui().tds.received.flatMap((entry) => (entry.kind === 'batch' || entry.kind === 'rpc' ? [entry.text] : [])),
};

const SNOWFLAKE: BlockWorksheet = {
  file: 'snowflake-block.sql',
  connection: 'Lab Snowflake (governor)',
  statementLines: ['SELECT count(*) AS before_block FROM sales.customers;', 'DECLARE', 'SELECT count(*) AS after_block FROM sales.customers;'],
  block: SNOWFLAKE_BLOCK,
  inner: 'RETURN n',
  sent: () =>
    ui()
      .snowflake.received.filter((request) => request.path === '/queries/v1/query-request')
      .map((request) => String((request.body as { sqlText?: unknown }).sqlText)),
};

/** What a request carried, without the whitespace and terminator around it. */
function bare(sql: string): string {
  return sql.trim().replace(/;$/, '').trimEnd();
}

const oneLensPerBlock = (worksheet: BlockWorksheet, shot: string) => async () => {
  const { workbench } = ui();
  await openWithConnection(workbench, worksheet.file, worksheet.connection);

  // Lenses arrive after the editor draws the text: wait until every statement has its own.
  const lenses = await until(
    `one Run lens per statement of ${worksheet.file}`,
    async () => (await workbench.codeLenses(/Run/)).map((lens) => lens.line),
    (lines) => JSON.stringify(lines) === JSON.stringify(worksheet.statementLines),
  );
  assert.deepEqual(lenses, worksheet.statementLines, 'one lens above the block, none inside it');
  await workbench.dismissHover();
  await workbench.screenshot(`${shot}-one-codelens`);

  const before = worksheet.sent().length;
  await workbench.clickCodeLens(/Run/, worksheet.statementLines[1]);
  const results = await ResultsView.of(workbench.page, worksheet.file);
  await passwordIfAsked(workbench, 'governor', results.frame.locator('[data-testid="status-text"]').filter({ hasNotText: /^Queued/ }).first());
  // The lab plays the platform on PostgreSQL, which does not run procedural T-SQL or Snowflake
  // Scripting: what matters here is what was sent, and that it was one run of one statement.
  await results.waitForStatus(/^(?:Failed|\d[\d,]* rows?)/);
  const sent = await until(
    'the block at the server',
    async () => worksheet.sent().slice(before).filter((sql) => sql.includes(worksheet.inner)),
    (texts) => texts.length > 0,
  );
  assert.deepEqual(sent.map(bare), [worksheet.block], 'the block reached the server once, whole');
  await workbench.screenshot(`${shot}-sent-whole`);

  // The flows after this one find the workbench as it was: no editor open.
  await workbench.closeAllEditors();
  await workbench.editorTab(worksheet.file).waitFor({ state: 'detached' });
};

describe('procedural blocks in the workbench', () => {
  flow('Azure Synapse: CREATE PROCEDURE ... BEGIN ... END shows one Run lens and is sent whole', 120_000, oneLensPerBlock(SYNAPSE, 'synapse-procedure'));
  flow('Snowflake: a DECLARE ... BEGIN ... END scripting block shows one Run lens and is sent whole', 120_000, oneLensPerBlock(SNOWFLAKE, 'snowflake-block'));
});
