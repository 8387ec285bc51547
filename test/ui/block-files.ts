import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The worksheets of the procedural-block flows. They are written into the workspace before the
 * workbench starts: a file written later may be missing from Quick Open's file list for a while
 * (seen under load), and a user opens files that exist.
 */
export const SYNAPSE_PROCEDURE = 'CREATE PROCEDURE dbo.p AS\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND';
export const SNOWFLAKE_BLOCK = 'DECLARE\n  n INTEGER DEFAULT 0;\nBEGIN\n  SELECT COUNT(*) INTO :n FROM sales.customers;\n  RETURN n;\nEND';

export const BLOCK_FILES = {
  'synapse-procedure.sql': [
    '-- A procedure runs to the end of its batch: one statement, one Run.',
    'SELECT count(*) AS before_block FROM sales.customers;',
    'GO',
    SYNAPSE_PROCEDURE,
    'GO',
    'SELECT count(*) AS after_block FROM sales.customers;',
    '',
  ].join('\n'),
  'snowflake-block.sql': [
    '-- A Snowflake Scripting block is one statement, as in Snowsight: one Run.',
    'SELECT count(*) AS before_block FROM sales.customers;',
    '',
    `${SNOWFLAKE_BLOCK};`,
    '',
    'SELECT count(*) AS after_block FROM sales.customers;',
    '',
  ].join('\n'),
} as const;

export type BlockFile = keyof typeof BLOCK_FILES;

export async function writeBlockFiles(workspace: string): Promise<void> {
  for (const [name, text] of Object.entries(BLOCK_FILES)) {
    await fs.promises.writeFile(path.join(workspace, name), text);
  }
}
