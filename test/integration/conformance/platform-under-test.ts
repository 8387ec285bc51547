/**
 * What the shared conformance suite needs from a platform: its lab server, a profile and secret
 * per lab login, a way to end a worksheet's server-side session the way the platform would
 * (kill, expiry), and the few pieces of SQL or expected values that differ per platform.
 *
 * Every lab server hands its SQL to the lab's PostgreSQL, so the suite's queries are written in
 * PostgreSQL and only the platform's own commands (impersonation, session) differ.
 */
import type { ColumnInfo, ConnectionProfile, ConnectionSecret, PlatformId, Row } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';

export type LoginName = 'governor' | 'analyst' | 'owner';

export interface ExpectedTypes {
  /** A single statement returning one row that covers the platform's common types. */
  readonly sql: string;
  /** `name:type` per column, in the platform's own type names. */
  readonly columns: readonly string[];
  readonly row: Row;
}

/** A set statement as the server received it: its text, and the user name bound with it where the driver binds. */
export interface ReceivedSet {
  readonly text: string;
  readonly bound?: string;
}

/** A profile `impersonation.set` template that writes '{user}' inside quotes. */
export interface QuotedSetTemplate {
  /**
   * The template. Spelt apart from the platform's default (lower case, say) so that the
   * server's record shows this one ran, not the default.
   */
  readonly template: string;
  /** What the server must receive for `user`: the exact text, and the bound name where the driver binds. */
  expected(user: string): ReceivedSet;
}

export interface PlatformUnderTest {
  readonly platform: PlatformId;
  /** Starts this platform's lab server (the lab PostgreSQL is already running). */
  start(lab: LabPostgres): Promise<void>;
  stop(): Promise<void>;
  profile(login: LoginName): ConnectionProfile;
  secret(login: LoginName): ConnectionSecret;
  /**
   * Ends the server-side session behind a worksheet the way the platform loses one
   * (Redshift: backend terminated; Snowflake: session expired; Trino: the coordinator's
   * PostgreSQL connections killed), given the session id the adapter reported.
   */
  endSession(sessionId: string): Promise<void>;
  readonly types: ExpectedTypes;
  /** A statement that runs for at least `seconds` (for cancel tests). */
  sleep(seconds: number): string;
  /** The login a session reports for a lab login, when it is not the profile's (a Databricks token). */
  expectedLogin?(login: LoginName): string;
  /** Platform-specific columns as the adapter reports them, for messages only. */
  describeColumns?(columns: readonly ColumnInfo[]): string;
  /**
   * Whether the adapter reads impersonation back from the server (`SessionImpersonation.readBack`).
   * Default true: every platform but Redshift has a read-back.
   */
  readonly readsBackImpersonation?: boolean;
  /**
   * The assurance a worksheet reaches without an effect probe: 'read-back' only where Immuta
   * documents where it reads the user (Synapse, Trino), else 'applied'.
   */
  readonly assuranceWithoutProbe: 'applied' | 'read-back';
  /**
   * Whether a cancelled statement leaves the worksheet on the same session (same session id).
   * Default true: losing the session (and with it the impersonation) on cancel would be a bug.
   */
  readonly keepsSessionAfterCancel?: boolean;
  /**
   * The hostile-name suite runs a second time with this template (as well as the default one).
   * Absent where a platform takes no templates: Trino's statement is fixed by its mode and property.
   */
  readonly quotedSetTemplate?: QuotedSetTemplate;
  /** The last statement that set impersonation on a session, as the server received it (needed with quotedSetTemplate). */
  lastSetReceived?(sessionId: string): Promise<ReceivedSet | undefined>;
}
