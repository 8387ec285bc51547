/**
 * How much a worksheet can know about an impersonation on a given connection, before anything
 * runs. Three levels, never blurred:
 *
 *   applied    the statement that starts impersonation succeeded on this session;
 *   read back  the platform returned the user from where Immuta documents it reads it;
 *   confirmed  the connection's effect probe answered as the impersonated user.
 *
 * Reading back a variable the worksheet set itself, under a name Immuta does not publish, proves
 * the session holds the value, not that Immuta reads it: that is `applied`, and the reason is
 * said. Pure: the UI asks this without loading a driver.
 */
import type { ConnectionProfile, EffectProbe } from './types';

export type Assurance = 'applied' | 'read-back' | 'confirmed';

const RANK: Readonly<Record<Assurance, number>> = { applied: 0, 'read-back': 1, confirmed: 2 };

export function assuranceRank(level: Assurance): number {
  return RANK[level];
}

/** The short name of a level, as the status bar, stamps, exports and history print it. */
export const ASSURANCE_LABEL: Readonly<Record<Assurance, string>> = {
  applied: 'applied',
  'read-back': 'read back',
  confirmed: 'confirmed',
};

export interface AssuranceFacts {
  /**
   * Whether Immuta documents the statement this connection starts impersonation with. False for
   * Snowflake's variable and Databricks' key (Immuta publishes neither), and for a profile's own
   * set template or property name on the others.
   */
  readonly setDocumented: boolean;
  /** What this connection reads back after applying, in words (undefined: nothing). */
  readonly readBackWhere?: string;
  /** Whether that read-back is where Immuta documents it reads the impersonated user. */
  readonly readBackDocumented: boolean;
  /** The highest level reached without an effect probe. */
  readonly withoutProbe: Exclude<Assurance, 'confirmed'>;
  /** The connection's effect probe, when it has one. */
  readonly probe?: EffectProbe;
  /** The highest level this connection can reach: confirmed with a probe, else `withoutProbe`. */
  readonly ceiling: Assurance;
  /**
   * One sentence on why the level stops below confirmed, for the tooltip: what is read back and
   * why it does or does not count. Empty when a probe is configured.
   */
  readonly why: string;
}

function facts(profile: ConnectionProfile, setDocumented: boolean, readBackWhere: string | undefined, readBackDocumented: boolean, why: string): AssuranceFacts {
  const withoutProbe = readBackDocumented ? 'read-back' : 'applied';
  const probe = profile.effectProbe;
  return {
    setDocumented,
    ...(readBackWhere !== undefined ? { readBackWhere } : {}),
    readBackDocumented,
    withoutProbe,
    ...(probe !== undefined ? { probe } : {}),
    ceiling: probe !== undefined ? 'confirmed' : withoutProbe,
    why: probe !== undefined ? '' : why,
  };
}

const ADD_PROBE = 'An effect probe on this connection would confirm it.';

export function assuranceFacts(profile: ConnectionProfile): AssuranceFacts {
  const templates = profile.impersonation;
  switch (profile.platform) {
    case 'redshift': {
      const custom = templates?.readBack;
      return facts(
        profile,
        templates?.set === undefined,
        custom !== undefined ? 'this connection\u2019s impersonation.readBack statement' : undefined,
        false,
        custom !== undefined
          ? `Immuta documents no read-back on Redshift, so reading back through this connection\u2019s own impersonation.readBack statement shows what the session holds, not what Immuta applies. ${ADD_PROBE}`
          : `Immuta documents no way to read impersonation back on Redshift: the worksheet applied it on this session and re-applies it on every new connection. ${ADD_PROBE}`,
      );
    }
    case 'synapse': {
      const documented = templates?.readBack === undefined;
      return facts(
        profile,
        templates?.set === undefined,
        documented ? "SESSION_CONTEXT(N'immuta_user')" : 'this connection\u2019s impersonation.readBack statement',
        documented,
        documented
          ? `Read back from SESSION_CONTEXT(N'immuta_user'), where Immuta reads the impersonated Synapse user. ${ADD_PROBE}`
          : `Read back through this connection\u2019s own impersonation.readBack statement, not from SESSION_CONTEXT(N'immuta_user') where Immuta reads it, so it shows what the session holds, not what Immuta applies. ${ADD_PROBE}`,
      );
    }
    case 'trino': {
      if (profile.impersonationMode === 'native') {
        return facts(profile, true, 'the Trino session user (current_user)', true, `Read back as the Trino session user, which native impersonation sets and Immuta acts on. ${ADD_PROBE}`);
      }
      const documented = profile.impersonationProperty === 'immuta.immuta_user';
      return facts(
        profile,
        documented,
        `SHOW SESSION LIKE '${profile.impersonationProperty}'`,
        documented,
        documented
          ? `Read back with SHOW SESSION LIKE 'immuta.immuta_user', as Immuta documents. ${ADD_PROBE}`
          : `This connection impersonates through the session property ${profile.impersonationProperty}, not immuta.immuta_user as Immuta documents, so reading it back shows what the session holds, not what Immuta applies. ${ADD_PROBE}`,
      );
    }
    case 'snowflake': {
      const variable = profile.impersonationVariable;
      return facts(
        profile,
        false,
        `the session variable $${variable}`,
        false,
        `Immuta publishes no impersonation statement for Snowflake. This connection sets the session variable $${variable} (under the role ${profile.impersonationRole}) and reads it back, which proves the session holds it, not that your Immuta integration reads that variable. If it reads another, every query runs as you. ${ADD_PROBE}`,
      );
    }
    case 'databricks': {
      return facts(
        profile,
        false,
        'the Spark configuration key this connection sets',
        false,
        `Immuta publishes no impersonation statement for Databricks Spark. This connection sets a Spark configuration key${templates?.set === undefined ? ' (immuta.impersonate.user)' : ''} and reads it back, which proves the session holds it, not that your Immuta integration reads that key. If it reads another, every query runs as you. ${ADD_PROBE}`,
      );
    }
  }
}

/**
 * Whether the status bar warns about a level: below what this connection can reach, or resting
 * on a statement Immuta does not document without a probe to confirm it.
 */
export function assuranceWarns(level: Assurance, facts: AssuranceFacts): boolean {
  return assuranceRank(level) < assuranceRank(facts.ceiling) || (!facts.setDocumented && level !== 'confirmed');
}

/** One sentence a user reads beside the level (tooltip, stamp title, export). */
export function describeAssurance(level: Assurance, facts: AssuranceFacts, user: string): string {
  switch (level) {
    case 'confirmed':
      return `Confirmed: the effect probe answered as ${user}.`;
    case 'read-back':
      return `Read back: the server reports ${user} from ${facts.readBackWhere ?? 'where Immuta reads it'}. Not confirmed by an effect probe.`;
    case 'applied':
      return `Applied, not confirmed: ${facts.why}`;
  }
}

/** The probe's expected answer for `user`: its template with every `{user}` replaced, by slicing. */
export function expectedProbeAnswer(probe: EffectProbe, user: string): string {
  return probe.expect.split('{user}').join(user);
}
