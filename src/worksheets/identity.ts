/**
 * The impersonation state machine of one worksheet:
 *
 *   yourself ──set──▶ applying ──ok──▶ impersonating(user) ──clear──▶ clearing ──ok──▶ yourself
 *        ▲               │ fails (server rejected: previous state kept)        │
 *        └───────────────┴──── unknown (cannot be trusted: runs are refused) ◀─┘
 *
 * `unknown` is entered when the server contradicts us on read-back, when the connection's effect
 * probe answers anything but the impersonated user, when re-applying on a new connection fails,
 * or when the connection dies half-way through a change.
 */
import type { Assurance } from '../platforms/assurance';

export type { Assurance } from '../platforms/assurance';

export type ApplyReason = 'requested' | 'reconnect' | 'after-reset';

export type IdentityState =
  | { readonly kind: 'yourself' }
  | { readonly kind: 'applying'; readonly user: string; readonly reason: ApplyReason }
  | {
      readonly kind: 'impersonating';
      readonly user: string;
      /** Epoch ms when the user was first chosen (kept across reconnects). */
      readonly since: number;
      /** How much the worksheet knows the session runs as `user` (see platforms/assurance). */
      readonly assurance: Assurance;
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
      /** 'probe': the effect probe answered as someone else (the reason quotes both answers). */
      readonly cause?: 'probe';
    };

/** Whom a statement ran as, stamped on every result. */
export type RanAs =
  | { readonly kind: 'yourself' }
  | { readonly kind: 'impersonating'; readonly user: string; readonly assurance: Assurance };

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
