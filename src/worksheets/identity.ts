/**
 * The impersonation state machine of one worksheet:
 *
 *   yourself ──set──▶ applying ──ok──▶ impersonating(user) ──clear──▶ clearing ──ok──▶ yourself
 *        ▲               │ fails (server rejected: previous state kept)        │
 *        └───────────────┴──── unknown (cannot be trusted: runs are refused) ◀─┘
 *
 * `unknown` is entered when the server contradicts us on read-back, when re-applying on a
 * new connection fails, or when the connection dies half-way through a change.
 */
export type Verification =
  /** The platform read the user back and it matched. */
  | 'read-back'
  /** The platform offers no read-back; the worksheet applied it on this session itself. */
  | 'not-available';

export type ApplyReason = 'requested' | 'reconnect' | 'after-reset';

export type IdentityState =
  | { readonly kind: 'yourself' }
  | { readonly kind: 'applying'; readonly user: string; readonly reason: ApplyReason }
  | {
      readonly kind: 'impersonating';
      readonly user: string;
      /** Epoch ms when the user was first chosen (kept across reconnects). */
      readonly since: number;
      readonly verification: Verification;
    }
  | { readonly kind: 'clearing'; readonly user: string }
  | {
      readonly kind: 'unknown';
      readonly reason: string;
      /**
       * Whom the worksheet means to run as, when it still knows: a user, or null for yourself.
       * A new session that establishes this intent resolves the unknown state.
       */
      readonly intendedUser?: string | null;
    };

/** Whom a statement ran as, stamped on every result. */
export type RanAs =
  | { readonly kind: 'yourself' }
  | { readonly kind: 'impersonating'; readonly user: string; readonly verification: Verification };

export function describeIdentity(state: IdentityState): string {
  switch (state.kind) {
    case 'yourself':
      return 'yourself';
    case 'applying':
      return `applying ${state.user}`;
    case 'impersonating':
      return `as ${state.user}`;
    case 'clearing':
      return `stopping impersonation of ${state.user}`;
    case 'unknown':
      return `unknown (${state.reason})`;
  }
}
