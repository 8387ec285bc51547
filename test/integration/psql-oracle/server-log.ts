/**
 * What psql sent, read back from a PostgreSQL server's log (stderr) with `log_statement = all`
 * and `log_min_error_statement = error` for psql's session.
 *
 * The server logs every query message it receives once: as `LOG:  statement: <text>` when it
 * parses, or, when it does not (a syntax error), only as the `STATEMENT:  <text>` line that
 * follows the `ERROR`. A message that parses and then fails is logged twice: its `LOG` line, then
 * its error's `STATEMENT` line with the same text. So a `STATEMENT` is a new message unless the
 * record just before it from the same session was the `LOG` of the same text (a text that parsed
 * once parses again, so a syntax error never repeats the text of the message before it).
 *
 * Reading the stderr format exactly: every record starts with `log_line_prefix`, which holds a
 * random marker that no statement contains, so records are cut at the markers, never at line
 * breaks; and the server puts a tab after every line break inside a message (elog.c,
 * append_with_tabs), which is taken out again. Nothing else is changed.
 */

/** The `log_line_prefix` that `sentStatements` reads: the marker, then application|session|. */
export function logLinePrefix(marker: string): string {
  return `${marker}%a|%c|`;
}

interface LogRecord {
  readonly application: string;
  readonly session: string;
  readonly severity: string;
  /** The message after `SEVERITY:  `, without the record's final line break and the server's tabs. */
  readonly message: string;
}

const RECORD = /^([^|]*)\|([^|]*)\|([A-Z]+): {2}([\s\S]*)\n$/;
const STATEMENT_LOG = 'statement: ';

function records(log: string, marker: string): LogRecord[] {
  const out: LogRecord[] = [];
  // Whatever comes before the first marker was written before the server read its settings.
  for (const raw of log.split(marker).slice(1)) {
    const match = RECORD.exec(raw);
    if (match === null) {
      throw new Error(`A server log record that does not read as "${logLinePrefix('<marker>')}SEVERITY:  message\\n": ${JSON.stringify(raw.slice(0, 200))}`);
    }
    out.push({ application: match[1], session: match[2], severity: match[3], message: match[4].replace(/\n\t/g, '\n') });
  }
  return out;
}

/**
 * The texts of the query messages that sessions named `application` sent, in order, read from the
 * server's stderr log written with `logLinePrefix(marker)`.
 */
export function sentStatements(log: string, marker: string, application: string): string[] {
  const sent: string[] = [];
  /** Per session: the text of the last `LOG: statement` not yet followed by its error's STATEMENT. */
  const loggedAwaitingError = new Map<string, string>();
  for (const record of records(log, marker)) {
    if (record.application !== application) continue;
    if (record.severity === 'LOG' && record.message.startsWith(STATEMENT_LOG)) {
      const text = record.message.slice(STATEMENT_LOG.length);
      sent.push(text);
      loggedAwaitingError.set(record.session, text);
    } else if (record.severity === 'STATEMENT') {
      if (loggedAwaitingError.get(record.session) !== record.message) sent.push(record.message);
      loggedAwaitingError.delete(record.session);
    }
  }
  return sent;
}
