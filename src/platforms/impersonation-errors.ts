import { isPlatformError, type PlatformError } from './errors';
import type { PlatformId } from './types';

/**
 * Recognises the runtime errors that mean "you may not impersonate" or "there is no such user",
 * per platform, and says what to do. Immuta checks IMPERSONATE_USER only when a query runs, so
 * these arrive as ordinary statement errors; the server's own text is always kept beside the
 * advice. Pure data and regular expressions: it runs in the main bundle, without any driver.
 */
export type ImpersonationProblem = 'not-permitted' | 'no-such-user';

export interface ImpersonationErrorExplanation {
  readonly problem: ImpersonationProblem;
  /** What to do, in a sentence or two. */
  readonly advice: string;
}

export interface ImpersonationErrorContext {
  /** Whom the worksheet impersonated when the error came, if anyone. */
  readonly user?: string;
  /** The Snowflake impersonation role of the profile, for its own advice. */
  readonly impersonationRole?: string;
}

interface Rule {
  readonly problem: ImpersonationProblem | 'snowflake-role';
  /** Error codes of this platform that mean it, when the text agrees (or when `codeAlone`). */
  readonly codes?: readonly string[];
  readonly text?: RegExp;
  /** The code is specific enough without text. */
  readonly codeAlone?: boolean;
}

// Immuta's own words, whichever platform relays them.
const IMMUTA_NOT_PERMITTED = /IMPERSONATE_USER|not (?:allowed|permitted|authori[sz]ed) to impersonate|cannot impersonate|impersonation (?:is )?(?:not (?:allowed|permitted)|denied)/i;
const IMMUTA_NO_SUCH_USER = /no (?:immuta )?user (?:named|with the name|found)|(?:immuta )?user ["'`]?[^"'`\s]*["'`]? (?:does not exist|not found|is unknown)|unknown (?:immuta )?user/i;

// Every platform relays Immuta's own words, so its text decides; codes add what only one
// platform says.
const IMMUTA_RULES: readonly Rule[] = [
  { problem: 'not-permitted', text: IMMUTA_NOT_PERMITTED },
  { problem: 'no-such-user', text: IMMUTA_NO_SUCH_USER },
];

const RULES: Readonly<Record<PlatformId, readonly Rule[]>> = {
  // PostgreSQL wire: SQLSTATE 42501 insufficient_privilege with Immuta's text.
  redshift: IMMUTA_RULES,
  // Trino's native impersonation check says "Access Denied: User governor cannot impersonate
  // user bob" (PERMISSION_DENIED), which the shared text already matches.
  trino: IMMUTA_RULES,
  // Snowflake: the impersonation role must be granted first (003013 "Requested role … is not
  // assigned to the executing user").
  snowflake: [
    { problem: 'snowflake-role', codes: ['003013'], codeAlone: true },
    { problem: 'snowflake-role', text: /requested role .* is not assigned to the executing user/i },
    ...IMMUTA_RULES,
  ],
  synapse: IMMUTA_RULES,
  databricks: IMMUTA_RULES,
};

function matches(rule: Rule, error: PlatformError, text: string): boolean {
  const codeMatches = rule.codes === undefined || (error.code !== undefined && rule.codes.includes(error.code));
  if (!codeMatches) return false;
  if (rule.text === undefined) return rule.codeAlone === true;
  return rule.text.test(text);
}

/**
 * The explanation of an impersonation failure, or undefined when the error is something else.
 * Without a platform, only Immuta's own words are recognised.
 */
export function explainImpersonationError(platform: PlatformId | undefined, error: unknown, context: ImpersonationErrorContext = {}): ImpersonationErrorExplanation | undefined {
  if (!isPlatformError(error)) return undefined;
  if (error.kind !== 'server' && error.kind !== 'permission') return undefined;
  const text = [error.serverMessage, error.message, error.detail].filter((part) => part !== undefined).join('\n');
  const rule = (platform === undefined ? IMMUTA_RULES : RULES[platform]).find((candidate) => matches(candidate, error, text));
  if (!rule) return undefined;
  const whom = context.user === undefined ? 'the impersonated user' : `"${context.user}"`;
  switch (rule.problem) {
    case 'not-permitted':
      return {
        problem: 'not-permitted',
        advice: `Your Immuta user lacks the IMPERSONATE_USER permission, which Immuta checks only when a query runs. Ask an Immuta administrator to grant it, or stop impersonating to run as yourself.`,
      };
    case 'snowflake-role':
      return {
        problem: 'not-permitted',
        advice: `This login has not been granted the impersonation role${context.impersonationRole ? ` ${context.impersonationRole}` : ''}. Ask an administrator to grant it (Immuta grants it to users with IMPERSONATE_USER), or set the profile's impersonationRole to the role your account uses.`,
      };
    case 'no-such-user':
      return {
        problem: 'no-such-user',
        advice:
          platform === 'synapse'
            ? `Immuta does not know ${whom}. On Synapse the name must be the Synapse user linked to the Immuta user: check the profile's userMap, or pick the user from the Immuta search in the status bar.`
            : `Immuta does not know ${whom}. Check the spelling (Immuta user names are often e-mail addresses), or pick the user from the Immuta search in the status bar.`,
      };
  }
}
