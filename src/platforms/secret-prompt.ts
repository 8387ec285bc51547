import { platformInfo } from './catalog';
import { profileLogin, type SecretNeed } from './profile';
import type { ConnectionProfile } from './types';

/** The words of an input box that asks for a connection's secret. */
export interface SecretPrompt {
  readonly title: string;
  readonly prompt: string;
}

/**
 * Where a profile's secret is sent, as a user would check it: host and port (Redshift,
 * Synapse), the coordinator URL (Trino), the access URL or account (Snowflake), the workspace
 * host (Databricks).
 */
export function secretDestination(profile: ConnectionProfile): string {
  switch (profile.platform) {
    case 'redshift':
      return `${profile.host}:${profile.port}`;
    case 'synapse':
      return `${profile.server}:${profile.port}`;
    case 'trino':
      return profile.server;
    case 'snowflake':
      return profile.accessUrl ?? `account ${profile.account}`;
    case 'databricks':
      return profile.port === 443 ? profile.host : `${profile.host}:${profile.port}`;
  }
}

/**
 * The title and prompt of the secret's input box. A profile can come from a cloned workspace's
 * settings under a trusted-looking name, so the box names the server the secret goes to, and
 * the name and login are quoted whenever they could pass for more (`"bob on prod:5439 —"`).
 * The title starts `<label> for <login>` (the UI flows look for `Password for governor`).
 */
export function secretPrompt(profile: ConnectionProfile, need: SecretNeed): SecretPrompt {
  const destination = oneLine(secretDestination(profile));
  const platform = platformInfo(profile.platform).shortName;
  // A personal access token belongs to nobody the profile names.
  const who = profile.platform === 'databricks' && profile.auth === 'token' ? undefined : quotedIfNeeded(profileLogin(profile));
  const title = `${need.label} for ${who === undefined ? '' : `${who} on `}${destination} (connection ${quoted(profile.name)})`;
  const prompt = [
    `Sent to the ${platform} server ${destination}${who === undefined ? '' : ` to sign in as ${who}`}, and kept in VS Code's secret storage for the connection ${quoted(profile.name)} ("Immuta: Forget Connection Secret" removes it).`,
    'If you do not know this server, press Escape: connections can come from a workspace\u2019s settings.',
    ...(need.mayBeEmpty ? ['Leave it empty if there is none.'] : []),
  ].join(' ');
  return { title, prompt };
}

/** Control characters and line breaks would let a name push the rest of the title out of sight. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

function quoted(text: string): string {
  return `"${oneLine(text).replace(/"/g, '\u201d')}"`;
}

/** Plain logins (`governor`, `jane@example.com`, `DOMAIN\\jane`) stay as they are; anything with spaces or quotes is quoted. */
function quotedIfNeeded(text: string): string {
  return /^[\w.@\\/+-]+$/u.test(text) ? text : quoted(text);
}
