/**
 * The five platforms as the assurance tests see them: the conformance suite's lab servers, plus
 * what those tests need on top: every statement text the lab's request boundary received (to
 * count effect probes where they arrive, not where the worksheet says it sent them), a way to
 * lose a worksheet's session, and a way to make impersonation "wrong on purpose", i.e. a
 * connection whose impersonation statement succeeds and reads back but that Immuta never acts on.
 *
 * Wrong on purpose is a lab switch where the platform's impersonation statement is unconfirmed
 * (Snowflake's variable, Databricks' key: the lab behaves like a tenant whose Immuta reads another
 * one) and a profile's own configuration on the other three (a set template, another session
 * context key, another session property).
 */
import type { ConnectionProfile, RedshiftProfile } from '../../../src/platforms/types';
import type { Worksheet } from '../../../src/worksheets/worksheet';
import type { LabPostgres } from '../../lab/postgres';
import { startWireCounter, type WireCounter } from '../../lab/wire-counter';
import { DatabricksUnderTest } from '../conformance/databricks';
import type { LoginName, PlatformUnderTest } from '../conformance/platform-under-test';
import { RedshiftUnderTest } from '../conformance/redshift';
import { SnowflakeUnderTest } from '../conformance/snowflake';
import { SynapseUnderTest } from '../conformance/synapse';
import { TrinoUnderTest } from '../conformance/trino';

export type LevelWithoutProbe = 'applied' | 'read-back';

/** A profile as a test variant uses it, and the level it reaches without a probe. */
export interface Variant {
  readonly label: string;
  change(profile: ConnectionProfile): ConnectionProfile;
  readonly level: LevelWithoutProbe;
  /** What the stamp's assurance note must say for bob. */
  readonly note: RegExp;
}

export interface WrongOnPurpose {
  /** In words, for the tests' titles. */
  readonly what: string;
  /** The profile that impersonates wrongly (unchanged where the lab switch does it). */
  change(profile: ConnectionProfile): ConnectionProfile;
  /** The lab's switch, where the lab makes it wrong; the tests turn it off again after each test. */
  readonly labSwitch?: (on: boolean) => void;
  /** What the 'applied' note must name: the unconfirmed variable, key, property or template. */
  readonly note: RegExp;
}

export interface AssuranceTarget {
  readonly put: PlatformUnderTest;
  /** The profiles Immuta documents (or the lab's default), each with its level without a probe. */
  readonly variants: readonly Variant[];
  readonly wrong: WrongOnPurpose;
  /** Every statement text the lab server (or, for Redshift, PostgreSQL's wire) received so far. */
  sent(): string[];
  /** Ends the worksheet's session so that its next run opens a new one and re-applies. */
  lose(worksheet: Worksheet): Promise<void>;
}

const BOB_PATTERN = 'bob@example\\.com';

const same = (profile: ConnectionProfile): ConnectionProfile => profile;

function sessionOf(worksheet: Worksheet): string {
  const id = worksheet.snapshot().sessionId;
  if (id === undefined) throw new Error('the worksheet has no session to lose');
  return id;
}

/** Redshift through a counting proxy: the lab PostgreSQL is the server, so its wire is the boundary. */
class CountedRedshift extends RedshiftUnderTest {
  private counter: WireCounter | undefined;

  override async start(lab: LabPostgres): Promise<void> {
    await super.start(lab);
    this.counter = await startWireCounter(lab.host, lab.port);
  }

  override async stop(): Promise<void> {
    await this.counter?.close();
    this.counter = undefined;
    await super.stop();
  }

  override profile(login: LoginName): RedshiftProfile {
    return { ...super.profile(login), port: this.wire().port };
  }

  texts(): string[] {
    return [...this.wire().counts.texts];
  }

  private wire(): WireCounter {
    if (!this.counter) throw new Error('the Redshift wire counter is not running');
    return this.counter;
  }
}

function redshift(): AssuranceTarget {
  const put = new CountedRedshift();
  return {
    put,
    variants: [{ label: 'default', change: same, level: 'applied', note: /^Applied, not confirmed: Immuta documents no way to read impersonation back on Redshift/ }],
    wrong: {
      what: 'a set template that only sets app.who',
      change: (profile) => ({ ...profile, impersonation: { set: "SELECT set_config('app.who', {user}, false)" } }),
      note: /^Applied, not confirmed: Immuta documents no way to read impersonation back on Redshift/,
    },
    sent: () => put.texts(),
    lose: (worksheet) => put.endSession(sessionOf(worksheet)),
  };
}

function synapse(): AssuranceTarget {
  const put = new SynapseUnderTest();
  return {
    put,
    variants: [{ label: 'default', change: same, level: 'read-back', note: new RegExp(`^Read back: the server reports ${BOB_PATTERN} from SESSION_CONTEXT\\(N'immuta_user'\\)`) }],
    wrong: {
      what: "set and read back through the session context key tenant_user",
      change: (profile) => ({
        ...profile,
        impersonation: {
          set: "EXEC sys.sp_set_session_context @key = N'tenant_user', @value = {user}",
          clear: "EXEC sys.sp_set_session_context @key = N'tenant_user', @value = NULL",
          readBack: "SELECT SESSION_CONTEXT(N'tenant_user') AS tenant_user",
        },
      }),
      note: /^Applied, not confirmed: Read back through this connection’s own impersonation\.readBack statement, not from SESSION_CONTEXT\(N'immuta_user'\)/,
    },
    sent: () => put.lab.received.flatMap((entry) => (entry.kind === 'batch' || entry.kind === 'rpc' ? [entry.text] : [])),
    lose: (worksheet) => put.endSession(sessionOf(worksheet)),
  };
}

function trino(): AssuranceTarget {
  // Trino refuses a session property it does not know: the lab knows tenant.user, which Immuta does not read.
  const put = new TrinoUnderTest({ otherProperties: ['tenant.user'] });
  return {
    put,
    variants: [
      { label: 'session-property', change: same, level: 'read-back', note: /^Read back: the server reports bob@example\.com from SHOW SESSION LIKE 'immuta\.immuta_user'/ },
      {
        label: 'native',
        change: (profile) => ({ ...profile, impersonationMode: 'native' }) as ConnectionProfile,
        level: 'read-back',
        note: /^Read back: the server reports bob@example\.com from the Trino session user \(current_user\)/,
      },
    ],
    wrong: {
      what: 'the session property tenant.user',
      change: (profile) => ({ ...profile, impersonationProperty: 'tenant.user' }) as ConnectionProfile,
      note: /^Applied, not confirmed: This connection impersonates through the session property tenant\.user, not immuta\.immuta_user/,
    },
    sent: () => put.lab().statements().map((request) => request.body),
    // The coordinator keeps no session: what a worksheet loses is its own, so it reconnects.
    lose: (worksheet) => worksheet.reconnect(),
  };
}

function snowflake(): AssuranceTarget {
  const put = new SnowflakeUnderTest();
  const note = /^Applied, not confirmed: Immuta publishes no impersonation statement for Snowflake\. This connection sets the session variable \$IMMUTA_IMP_USER/;
  return {
    put,
    variants: [{ label: 'default', change: same, level: 'applied', note }],
    wrong: { what: 'the lab ignoring $IMMUTA_IMP_USER', change: same, labSwitch: (on) => put.lab.ignoreImpersonation(on), note },
    sent: () =>
      put.lab.received
        .filter((request) => request.path === '/queries/v1/query-request')
        .map((request) => String((request.body as { sqlText?: unknown }).sqlText)),
    lose: (worksheet) => put.endSession(sessionOf(worksheet)),
  };
}

function databricks(): AssuranceTarget {
  const put = new DatabricksUnderTest();
  const note = /^Applied, not confirmed: Immuta publishes no impersonation statement for Databricks Spark\. This connection sets a Spark configuration key \(immuta\.impersonate\.user\)/;
  return {
    put,
    variants: [{ label: 'default', change: same, level: 'applied', note }],
    wrong: { what: 'the lab ignoring immuta.impersonate.user', change: same, labSwitch: (on) => put.lab().ignoreImpersonation(on), note },
    sent: () => put.lab().received.flatMap((call) => (call.call === 'ExecuteStatement' && call.statement !== undefined ? [call.statement] : [])),
    lose: (worksheet) => put.endSession(sessionOf(worksheet)),
  };
}

export function assuranceTargets(): AssuranceTarget[] {
  return [redshift(), synapse(), trino(), snowflake(), databricks()];
}
