import { PlatformError } from './errors';

/**
 * One wording, on every platform, for a statement that met the end of its session. What the
 * user must learn differs by one fact only: whether the statement may have reached the server.
 * A statement that did may or may not have completed; one that did not was not sent, and the
 * worksheet may send it again on a new session. The server's own words are kept (in the
 * message and as `serverMessage`); the worksheet adds what it will do next.
 */
export interface SessionEndFacts {
  /** The server's or the driver's own words about the end, as they came. */
  readonly reason: string;
  /** True when the server said so itself (an error it sent); false when only the connection dropped. */
  readonly serverSaid: boolean;
  /** Whether the statement may have reached the server. */
  readonly sent: boolean;
  readonly code?: string;
  readonly detail?: string;
  readonly cause?: unknown;
}

export function sessionEndedError(facts: SessionEndFacts): PlatformError {
  // Quoted inside parentheses, so a closing full stop of the server's sentence is left out there.
  const words = facts.reason.replace(/\.$/, '');
  const what = facts.serverSaid ? `The database ended this worksheet's session (${words})` : `The connection to the database was lost (${words})`;
  const message = facts.sent
    ? `${what}. The statement may or may not have completed.`
    : `${facts.serverSaid ? `The database had already ended this worksheet's session (${words})` : `The connection to the database had already been lost (${words})`}; the statement was not sent.`;
  return new PlatformError('connection-lost', message, {
    serverMessage: facts.reason,
    notSent: !facts.sent,
    ...(facts.code !== undefined ? { code: facts.code } : {}),
    ...(facts.detail !== undefined ? { detail: facts.detail } : {}),
    ...(facts.cause !== undefined ? { cause: facts.cause } : {}),
  });
}

/**
 * SQLSTATEs after which the server has ended (or is ending) the session: class 08 (connection
 * exception) and PostgreSQL's 57P01 admin shutdown (pg_terminate_backend), 57P02 crash shutdown,
 * 57P03 cannot connect now and 57P05 idle session timeout. Redshift, Snowflake and Databricks all
 * report SQLSTATEs, so one list serves them.
 */
export function isSessionEndingSqlState(code: string | undefined | null): boolean {
  if (typeof code !== 'string') return false;
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57P05';
}

/**
 * Lets the event loop read what has already arrived on the sockets (two turns, so at least one
 * poll phase runs). A server that ended a session has usually said so by the time the next
 * statement is sent, but its words may still wait unread; reading them first turns a statement
 * written into a dead connection (which may or may not have run) into one provably not sent.
 */
export function readPendingInput(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * The moment before a session writes a statement: pending input is read first (see
 * readPendingInput), and a cancel that comes meanwhile stops the statement before it is sent.
 */
export class SendGate {
  private waiting: { cancelled: boolean } | undefined;

  /** Reads pending input; resolves true when the statement was cancelled meanwhile. */
  async pass(): Promise<boolean> {
    const waiting = { cancelled: false };
    this.waiting = waiting;
    try {
      await readPendingInput();
    } finally {
      this.waiting = undefined;
    }
    return waiting.cancelled;
  }

  /** Cancels the statement waiting at the gate; false when none is. */
  cancel(): boolean {
    if (!this.waiting) return false;
    this.waiting.cancelled = true;
    return true;
  }
}
