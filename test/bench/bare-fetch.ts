import { Client } from 'pg';
import type { LabPostgres } from '../lab/postgres';

/**
 * The yardstick of the results figures: a bare pg.Client reading a whole result, with pg's default
 * parsing or as arrays of text (the faster of the two is what a worksheet is held to). Returns ms.
 */
export async function bareFetch(lab: LabPostgres, sql: string, textArrays: boolean, expectedRows: number): Promise<number> {
  const login = lab.logins.governor;
  const client = new Client({ host: lab.host, port: lab.port, database: lab.database, user: login.user, password: login.password });
  await client.connect();
  try {
    const started = performance.now();
    const result = textArrays
      ? await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (value: string) => value } })
      : await client.query(sql);
    const elapsed = performance.now() - started;
    if (result.rows.length !== expectedRows) throw new Error(`bare pg read ${result.rows.length} rows, not ${expectedRows}`);
    return elapsed;
  } finally {
    await client.end();
  }
}
