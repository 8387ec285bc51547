import { platformInfo } from '../platforms/catalog';
import { ASSURANCE_LABEL, assuranceFacts, assuranceWarns, describeAssurance, type Assurance, type AssuranceFacts } from '../platforms/assurance';
import { impersonationUnavailable, profileEndpoint, profileLogin } from '../platforms/profile';
import type { ConnectionProfile } from '../platforms/types';
import type { PermissionFact, ProjectFact } from '../immuta/awareness';
import type { WorksheetSnapshot } from '../worksheets/worksheet';

/**
 * What Immuta says about the worksheet's identity: whether your Immuta user holds
 * IMPERSONATE_USER, and the current project of the user statements run as (the impersonated
 * user, or yourself).
 */
export interface ImmutaFacts {
  readonly permission: PermissionFact;
  readonly project: ProjectFact;
}

const NOT_CONFIGURED: ImmutaFacts = { permission: { kind: 'off' }, project: { kind: 'off' } };

/**
 * What the status bar shows for the active worksheet, as plain data: the status bar renders
 * exactly this and nothing else, so every state has one look (and a unit test).
 */
export interface StatusItemModel {
  readonly text: string;
  /**
   * The item's accessible name, in words (what a screen reader says): who the worksheet runs as,
   * how sure it is, the project, and any warning, without icons or abbreviations.
   */
  readonly label: string;
  /** Markdown; command links are listed in `commands`. */
  readonly tooltip: string;
  readonly warning: boolean;
  /** Worse than a warning: nothing runs (an effect probe disagreed). Shown on the error background. */
  readonly error?: boolean;
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
  setImmutaApiKey: 'immutaWorksheets.setImmutaApiKey',
  setEffectProbe: 'immutaWorksheets.setEffectProbe',
  manageTrust: 'workbench.trust.manage',
} as const;

/** What the window is in, beyond the worksheet. */
export interface StatusContext {
  /**
   * Restricted Mode (an untrusted workspace): VS Code withholds the workspace's values of the
   * settings that point the extension at servers and files, so only the user's own connections
   * and Immuta URL are in use. Said in the status bar, or a workspace's connections just vanish.
   */
  readonly restricted: boolean;
}

const TRUSTED: StatusContext = { restricted: false };

const RESTRICTED_NOTE =
  `**Restricted Mode:** this workspace is not trusted, so the connection profiles and the Immuta URL in its settings are ignored; only those in your user settings are used. ` +
  `[Manage Workspace Trust…](command:${COMMANDS.manageTrust})`;

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

export function statusModel(snapshot: WorksheetSnapshot | undefined, now: number, immuta: ImmutaFacts = NOT_CONFIGURED, context: StatusContext = TRUSTED): StatusModel {
  const profile = snapshot?.profile;
  const restricted = context.restricted;
  const connection: StatusItemModel = !profile
    ? {
        text: restricted ? '$(workspace-untrusted) Select connection · Restricted Mode' : '$(database) Select connection',
        label: `Immuta connection: none selected for this SQL document${restricted ? '; Restricted Mode: the workspace\u2019s connections are ignored' : ''}. Activate to choose one.`,
        tooltip: restricted
          ? [
              'This SQL document has no connection yet.',
              RESTRICTED_NOTE,
              `[Select connection…](command:${COMMANDS.selectConnection})`,
            ].join('\n\n')
          : 'This SQL document has no connection yet. Click to choose one.',
        warning: false,
        command: COMMANDS.selectConnection,
      }
    : {
        text: `${snapshot?.busy ? '$(loading~spin)' : '$(database)'} ${plain(profile.name)} · ${platformInfo(profile.platform).shortName}`,
        label: `Immuta connection: ${profile.name}, ${platformInfo(profile.platform).displayName}${snapshot?.busy ? ', busy running' : ''}. Activate to change the connection.`,
        tooltip: [
          `**${escape(profile.name)}** · ${platformInfo(profile.platform).displayName}`,
          '',
          `Login: ${escape(profileLogin(profile))} on ${escape(profileEndpoint(profile))}`,
          `Session: ${connectionLine(snapshot)}`,
          ...(snapshot && snapshot.queued > 0 ? [`Waiting: ${snapshot.queued} queued`] : []),
          ...(restricted ? ['', RESTRICTED_NOTE] : []),
          '',
          `[Change connection…](command:${COMMANDS.selectConnection}) · [Reconnect](command:${COMMANDS.reconnect})`,
        ].join('\n\n'),
        warning: false,
        command: COMMANDS.selectConnection,
      };
  return { connection, identity: identityModel(snapshot, now, immuta, restricted) };
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

const SET_KEY = COMMANDS.setImmutaApiKey;

function clock(at: number): string {
  return new Date(at).toLocaleTimeString();
}

/** One tooltip paragraph on the project of `who` ("bob@example.com" or "you"). */
export function projectLine(fact: ProjectFact, who: string, restricted = false): string {
  switch (fact.kind) {
    case 'off':
      return restricted
        ? 'Immuta project: **unknown**. No Immuta URL is set in your user settings, and a workspace\u2019s own is ignored in Restricted Mode, so the extension cannot tell whether this user works inside a project.'
        : 'Immuta project: **unknown**. No Immuta URL is configured (setting `immutaWorksheets.immuta.url`), so the extension cannot tell whether this user works inside a project.';
    case 'no-key':
      return `Immuta project: **unknown**. The Immuta API key is not set: [Set Immuta API Key…](command:${SET_KEY})`;
    case 'checking':
      return 'Immuta project: checking…';
    case 'none':
      return `Immuta project: none. ${escape(who)} ${who === 'you' ? 'are' : 'is'} not acting under a project (checked ${clock(fact.checkedAt)}).`;
    case 'project':
      return `**Immuta project: ${escape(fact.name)}.** ${escape(who)} ${who === 'you' ? 'are' : 'is'} acting under this project, so only its data sources are visible; every other data source returns no rows (checked ${clock(fact.checkedAt)}).`;
    case 'error':
      return `Immuta project: **unknown**. Immuta could not be asked: ${escape(fact.message)}`;
  }
}

/** One tooltip paragraph on your IMPERSONATE_USER permission. */
export function permissionLine(fact: PermissionFact, restricted = false): string {
  switch (fact.kind) {
    case 'off':
      return restricted
        ? 'IMPERSONATE_USER: not checked (no Immuta URL in your user settings; a workspace\u2019s is ignored in Restricted Mode). The platform checks it when a query runs.'
        : 'IMPERSONATE_USER: not checked (no Immuta URL is configured). The platform checks it when a query runs.';
    case 'no-key':
      return `IMPERSONATE_USER: not checked (the Immuta API key is not set). [Set Immuta API Key…](command:${SET_KEY})`;
    case 'checking':
      return 'IMPERSONATE_USER: checking…';
    case 'held':
      return `Your Immuta user ${escape(fact.user)} holds IMPERSONATE_USER.`;
    case 'missing':
      return `**Your Immuta user ${escape(fact.user)} does not hold IMPERSONATE_USER.** Immuta will refuse every query this worksheet runs as someone else. Ask an Immuta administrator for the permission.`;
    case 'error':
      return `IMPERSONATE_USER: not checked (${escape(fact.message)})`;
  }
}

const ASSURANCE_ICON: Readonly<Record<Assurance, string>> = {
  confirmed: '$(verified-filled)',
  'read-back': '$(person)',
  applied: '$(person)',
};

/** The tooltip's words on how sure the worksheet is; never "verified" below a confirmation or a documented read-back. */
function assuranceParagraph(level: Assurance, facts: AssuranceFacts | undefined, user: string): string {
  if (facts === undefined) return `Assurance: **${ASSURANCE_LABEL[level]}**.`;
  return `Assurance: **${ASSURANCE_LABEL[level]}**. ${escape(describeAssurance(level, facts, user))}`;
}

/** The sentence a first impersonation on an unconfirmed connection shows once (see the UI's notice). */
export function unconfirmedNotice(profile: ConnectionProfile): string | undefined {
  const facts = assuranceFacts(profile);
  if (facts.setDocumented || facts.probe !== undefined) return undefined;
  return `Impersonation on "${profile.name}" is applied, not confirmed. ${facts.why}`;
}

function identityModel(snapshot: WorksheetSnapshot | undefined, now: number, immuta: ImmutaFacts, restricted: boolean): StatusItemModel {
  const links = `[Change…](command:${COMMANDS.impersonate}) · [Stop impersonating](command:${COMMANDS.stopImpersonating}) · [Verify now](command:${COMMANDS.verify})`;
  const state = snapshot?.identity ?? { kind: 'yourself' as const };
  switch (state.kind) {
    case 'yourself': {
      const unavailable = snapshot?.profile ? impersonationUnavailable(snapshot.profile) : undefined;
      if (unavailable !== undefined) {
        return {
          text: '$(circle-slash) yourself · no impersonation',
          label: 'Runs as yourself: impersonation is not available on this connection.',
          tooltip: ['**Impersonation is not available on this connection**', escape(unavailable)].join('\n\n'),
          warning: false,
          command: COMMANDS.impersonate,
        };
      }
      const inProject = immuta.project.kind === 'project' ? immuta.project.name : undefined;
      return {
        text: inProject === undefined ? '$(account) yourself' : `$(warning) yourself · project ${plain(inProject)}`,
        label:
          inProject === undefined
            ? 'Runs as yourself, with no impersonation. Activate to impersonate an Immuta user.'
            : `Warning: runs as yourself, working in the Immuta project ${inProject}: only its data sources are visible. Activate to impersonate an Immuta user.`,
        tooltip: [
          '**Running as yourself**',
          'Statements run as the connection\u2019s own login. Click to impersonate an Immuta user in this worksheet only.',
          ...(immuta.project.kind === 'off' ? [] : [projectLine(immuta.project, 'you')]),
          permissionLine(immuta.permission, restricted),
          `[Impersonate…](command:${COMMANDS.impersonate})`,
        ].join('\n\n'),
        warning: inProject !== undefined,
        command: COMMANDS.impersonate,
      };
    }
    case 'applying':
      return {
        text: `$(loading~spin) as ${plain(state.user)}…`,
        label: `Applying the impersonation of ${state.user}; nothing runs until it is in place.`,
        tooltip: `Applying impersonation of **${escape(state.user)}**${state.reason === 'reconnect' ? ' on a new connection' : state.reason === 'after-reset' ? ' after a session reset' : ''}…`,
        warning: false,
        command: COMMANDS.impersonate,
      };
    case 'clearing':
      return {
        text: '$(loading~spin) yourself…',
        label: `Stopping the impersonation of ${state.user}; statements will run as yourself.`,
        tooltip: `Stopping impersonation of **${escape(state.user)}**…`,
        warning: false,
        command: COMMANDS.impersonate,
      };
    case 'impersonating': {
      const lacks = immuta.permission.kind === 'missing';
      const inProject = immuta.project.kind === 'project' ? immuta.project.name : undefined;
      const suffix = lacks ? ' · no IMPERSONATE_USER' : inProject !== undefined ? ` · project ${plain(inProject)}` : '';
      const facts = snapshot?.profile ? assuranceFacts(snapshot.profile) : undefined;
      const doubtful = facts !== undefined && assuranceWarns(state.assurance, facts);
      const warning = lacks || inProject !== undefined || doubtful;
      return {
        text: `${warning ? '$(warning)' : ASSURANCE_ICON[state.assurance]} as ${plain(state.user)} · ${ASSURANCE_LABEL[state.assurance]}${suffix}`,
        label:
          `${warning ? 'Warning: runs' : 'Runs'} as ${state.user}, impersonated, ${ASSURANCE_LABEL[state.assurance]}` +
          `${doubtful ? ', which does not prove Immuta applies it' : ''}` +
          `${lacks ? '; your login does not hold IMPERSONATE_USER, so Immuta will refuse its queries' : ''}` +
          `${!lacks && inProject !== undefined ? `; in the Immuta project ${inProject}, only its data sources are visible` : ''}` +
          '. Activate to change, stop or verify.',
        tooltip: [
          `**Impersonating ${escape(state.user)}** · ${ASSURANCE_LABEL[state.assurance]}`,
          `Since ${new Date(state.since).toLocaleTimeString()} (${ago(state.since, now)}), in this worksheet only.`,
          assuranceParagraph(state.assurance, facts, state.user),
          ...(facts !== undefined && facts.probe === undefined ? [`[Add an effect probe…](command:${COMMANDS.setEffectProbe})`] : []),
          projectLine(immuta.project, state.user, restricted),
          permissionLine(immuta.permission, restricted),
          links,
        ].join('\n\n'),
        warning,
        command: COMMANDS.impersonate,
      };
    }
    case 'unknown':
      if (state.cause === 'probe' && typeof state.intendedUser === 'string') {
        return {
          text: `$(error) ${plain(state.intendedUser)} not confirmed`,
          label: `Error: the impersonation of ${state.intendedUser} is not confirmed by the effect probe; nothing runs in this worksheet. Activate to choose again.`,
          tooltip: [
            `**Impersonation of ${escape(state.intendedUser)} is not confirmed: nothing runs in this worksheet**`,
            `${escape(state.reason)}.`,
            'The session holds the setting, but the connection\u2019s effect probe says Immuta does not apply it, so a statement would not run as this user. Check that the connection sets the variable or key your Immuta integration reads, and that the probe is right; then verify or choose the user again.',
            `${links} · [Edit the effect probe…](command:${COMMANDS.setEffectProbe})`,
          ].join('\n\n'),
          warning: true,
          error: true,
          command: COMMANDS.impersonate,
        };
      }
      return {
        text: '$(warning) identity unknown',
        label: 'Warning: whom statements would run as is not known; nothing runs until you choose a user, stop impersonating or verify.',
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
