import { platformInfo } from '../platforms/catalog';
import { impersonationUnavailable, profileEndpoint, profileLogin } from '../platforms/profile';
import type { WorksheetSnapshot } from '../worksheets/worksheet';

/**
 * What the status bar shows for the active worksheet, as plain data: the status bar renders
 * exactly this and nothing else, so every state has one look (and a unit test).
 */
export interface StatusItemModel {
  readonly text: string;
  /** Markdown; command links are listed in `commands`. */
  readonly tooltip: string;
  readonly warning: boolean;
  readonly command: string;
}

export interface StatusModel {
  readonly connection: StatusItemModel;
  readonly identity: StatusItemModel;
}

export const COMMANDS = {
  selectConnection: 'immutaWorksheets.selectConnection',
  impersonate: 'immutaWorksheets.impersonate',
  stopImpersonating: 'immutaWorksheets.stopImpersonating',
  verify: 'immutaWorksheets.verifyImpersonation',
  reconnect: 'immutaWorksheets.reconnect',
} as const;

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (character) => `\\${character}`);
}

/** Status bar text turns `$(name)` into an icon; a user name must never do that. */
function plain(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}

function ago(since: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

export function statusModel(snapshot: WorksheetSnapshot | undefined, now: number): StatusModel {
  const profile = snapshot?.profile;
  const connection: StatusItemModel = !profile
    ? {
        text: '$(database) Select connection',
        tooltip: 'This SQL document has no connection yet. Click to choose one.',
        warning: false,
        command: COMMANDS.selectConnection,
      }
    : {
        text: `${snapshot?.busy ? '$(loading~spin)' : '$(database)'} ${plain(profile.name)} · ${platformInfo(profile.platform).shortName}`,
        tooltip: [
          `**${escape(profile.name)}** · ${platformInfo(profile.platform).displayName}`,
          '',
          `Login: ${escape(profileLogin(profile))} on ${escape(profileEndpoint(profile))}`,
          `Session: ${connectionLine(snapshot)}`,
          ...(snapshot && snapshot.queued > 0 ? [`Waiting: ${snapshot.queued} queued`] : []),
          '',
          `[Change connection…](command:${COMMANDS.selectConnection}) · [Reconnect](command:${COMMANDS.reconnect})`,
        ].join('\n\n'),
        warning: false,
        command: COMMANDS.selectConnection,
      };
  return { connection, identity: identityModel(snapshot, now) };
}

function connectionLine(snapshot: WorksheetSnapshot | undefined): string {
  switch (snapshot?.connection) {
    case 'open':
      return `open (id ${escape(snapshot.sessionId ?? '?')})`;
    case 'opening':
      return 'connecting…';
    case 'lost':
      return 'lost; the next run reconnects and re-applies the identity first';
    default:
      return 'not open yet (opens on the first run)';
  }
}

const PROJECT_UNKNOWN = 'Immuta project: unknown (no Immuta API is configured, so the extension cannot tell whether this user works inside a project).';

function identityModel(snapshot: WorksheetSnapshot | undefined, now: number): StatusItemModel {
  const links = `[Change…](command:${COMMANDS.impersonate}) · [Stop impersonating](command:${COMMANDS.stopImpersonating}) · [Verify now](command:${COMMANDS.verify})`;
  const state = snapshot?.identity ?? { kind: 'yourself' as const };
  switch (state.kind) {
    case 'yourself': {
      const unavailable = snapshot?.profile ? impersonationUnavailable(snapshot.profile) : undefined;
      if (unavailable !== undefined) {
        return {
          text: '$(circle-slash) yourself · no impersonation',
          tooltip: ['**Impersonation is not available on this connection**', escape(unavailable)].join('\n\n'),
          warning: false,
          command: COMMANDS.impersonate,
        };
      }
      return {
        text: '$(account) yourself',
        tooltip: ['**Running as yourself**', 'Statements run as the connection\u2019s own login. Click to impersonate an Immuta user in this worksheet only.', `[Impersonate…](command:${COMMANDS.impersonate})`].join('\n\n'),
        warning: false,
        command: COMMANDS.impersonate,
      };
    }
    case 'applying':
      return {
        text: `$(loading~spin) as ${plain(state.user)}…`,
        tooltip: `Applying impersonation of **${escape(state.user)}**${state.reason === 'reconnect' ? ' on a new connection' : state.reason === 'after-reset' ? ' after a session reset' : ''}…`,
        warning: false,
        command: COMMANDS.impersonate,
      };
    case 'clearing':
      return {
        text: '$(loading~spin) yourself…',
        tooltip: `Stopping impersonation of **${escape(state.user)}**…`,
        warning: false,
        command: COMMANDS.impersonate,
      };
    case 'impersonating':
      return {
        text: `$(person) as ${plain(state.user)}`,
        tooltip: [
          `**Impersonating ${escape(state.user)}**`,
          `Since ${new Date(state.since).toLocaleTimeString()} (${ago(state.since, now)}), in this worksheet only.`,
          state.verification === 'read-back'
            ? 'Verified: the server reported this user back.'
            : 'Not verifiable on this platform: the worksheet applied it on this session itself and re-applies it on every new connection.',
          PROJECT_UNKNOWN,
          links,
        ].join('\n\n'),
        warning: false,
        command: COMMANDS.impersonate,
      };
    case 'unknown':
      return {
        text: '$(warning) identity unknown',
        tooltip: [
          '**Whom statements would run as is not known**',
          `${escape(state.reason)}.`,
          'Nothing runs in this worksheet until you choose a user, stop impersonating, or verify.',
          ...(state.intendedUser !== undefined ? [`Meant to run as: ${state.intendedUser === null ? 'yourself' : escape(state.intendedUser)}`] : []),
          links,
        ].join('\n\n'),
        warning: true,
        command: COMMANDS.impersonate,
      };
  }
}
