/**
 * The statement with its leading whitespace and comments removed, so that a typed impersonation
 * statement is recognised after a comment line. `lineComments` are the dialect's line-comment
 * markers (`--` everywhere; Snowflake also takes `//`).
 */
export function stripLeadingComments(sql: string, lineComments: readonly string[] = ['--']): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.trimStart();
    if (lineComments.some((marker) => trimmed.startsWith(marker))) {
      const end = trimmed.search(/\r\n|\r|\n/);
      rest = end < 0 ? '' : trimmed.slice(end);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}
