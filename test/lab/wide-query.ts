/**
 * The benchmark's and the UI tier's big result: 1,000,000 rows × 10 columns of mixed types
 * (integer, text, float, boolean, date, timestamp, numeric, nullable text, hash, JSON), made by
 * the server itself so that no table has to be loaded first.
 */
export function wideQuery(rows: number): string {
  return `SELECT g AS id,
       'customer ' || g AS name,
       (g * 1.25)::float8 AS amount,
       (g % 2 = 0) AS active,
       DATE '2026-01-01' + (g % 365) AS day,
       TIMESTAMP '2026-01-01 00:00:00' + g * INTERVAL '1 second' AS seen_at,
       (g / 7.0)::numeric(14,4) AS ratio,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || (g % 1000) END AS note,
       md5(g::text) AS hash,
       json_build_object('id', g, 'tag', 'x') AS doc
FROM generate_series(1, ${rows}) AS g`;
}

/** The data's size as UTF-8 text: every value in the server's text form, NULL counting nothing. */
export function wideQueryUtf8BytesSql(rows: number): string {
  const columns = ['id', 'name', 'amount', 'active', 'day', 'seen_at', 'ratio', 'note', 'hash', 'doc'];
  return `SELECT (${columns.map((column) => `coalesce(sum(octet_length(${column}::text)), 0)`).join(' + ')})::float8 AS bytes FROM (${wideQuery(rows)}) AS q`;
}
