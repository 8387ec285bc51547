/**
 * Connection secrets for the command line: from environment variables (what CI has), or typed
 * at a terminal without echo. Never from an option or a file. A secret is handed to the driver
 * and nowhere else: no message here, or anywhere it is passed, contains it.
 *
 *   IMMUTA_WORKSHEETS_SECRET_<NAME>  NAME: the connection's name upper-cased, every run of other
 *                                    characters as one `_` ("Lab Redshift (governor)" →
 *                                    IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR)
 *   IMMUTA_WORKSHEETS_SECRET         when the run uses exactly one connection
 */
import { secretNeeded, type SecretNeed } from '../platforms/profile';
import { secretPrompt } from '../platforms/secret-prompt';
import type { ConnectionProfile, ConnectionSecret } from '../platforms/types';
import { CliError } from './errors';

export const SECRET_VARIABLE = 'IMMUTA_WORKSHEETS_SECRET';

/** The environment variable that holds a connection's secret. */
export function secretVariable(profileName: string): string {
  const suffix = profileName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return suffix === '' ? SECRET_VARIABLE : `${SECRET_VARIABLE}_${suffix}`;
}

/** Asks for one secret; undefined when the user gave none (Ctrl-C, Ctrl-D). */
export type SecretPrompter = (profile: ConnectionProfile, need: SecretNeed) => Promise<string | undefined>;

/**
 * Finds the secret of every connection the run uses, before anything connects: from the
 * environment, else by asking (when `prompt` is given, i.e. on a terminal), else a CliError
 * naming the variable to set. Prompts come one after another, never two at once.
 */
export async function resolveSecrets(
  profiles: readonly ConnectionProfile[],
  env: NodeJS.ProcessEnv,
  prompt: SecretPrompter | undefined,
): Promise<ReadonlyMap<string, ConnectionSecret>> {
  const secrets = new Map<string, ConnectionSecret>();
  const owners = new Map<string, string>();
  for (const profile of profiles) {
    const need = secretNeeded(profile);
    if (need === undefined) {
      secrets.set(profile.name, {});
      continue;
    }
    const variable = secretVariable(profile.name);
    const owner = owners.get(variable);
    if (owner !== undefined) {
      throw new CliError(`The connections "${owner}" and "${profile.name}" would both take their secret from ${variable}; give one of them a different name.`);
    }
    owners.set(variable, profile.name);
    const fromEnv = env[variable] ?? (profiles.length === 1 ? env[SECRET_VARIABLE] : undefined);
    const source = env[variable] !== undefined ? variable : SECRET_VARIABLE;
    let value: string | undefined;
    if (fromEnv !== undefined) {
      if (fromEnv === '' && !need.mayBeEmpty) throw new CliError(`${source} is empty: it must hold the ${need.label.toLowerCase()} of the connection "${profile.name}".`);
      value = fromEnv;
    } else if (prompt !== undefined) {
      value = await prompt(profile, need);
      if (value === undefined || (value === '' && !need.mayBeEmpty)) {
        throw new CliError(`No ${need.label.toLowerCase()} was given for the connection "${profile.name}"; nothing was run.`);
      }
    } else {
      throw new CliError(`No secret for connection "${profile.name}": set ${variable} (its ${need.label.toLowerCase()})${profiles.length === 1 ? ` or ${SECRET_VARIABLE}` : ''}.`);
    }
    secrets.set(profile.name, { [need.field]: value });
  }
  return secrets;
}

/** The few members of a TTY read stream the prompt uses (a fake one in tests). */
export interface PromptInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface PromptOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** A prompter on the terminal (stderr, so stdout stays the report), or undefined when either side is not a terminal. */
export function terminalPrompter(input: PromptInput, output: PromptOutput): SecretPrompter | undefined {
  if (input.isTTY !== true || output.isTTY !== true || input.setRawMode === undefined) return undefined;
  return (profile, need) => {
    const { title } = secretPrompt(profile, need);
    output.write(`${title}\n`);
    output.write(`Not stored anywhere (or set ${secretVariable(profile.name)}). If you do not know this server, press Ctrl-C: connections can come from a repository's files.\n`);
    if (need.mayBeEmpty) output.write('Leave it empty if there is none.\n');
    output.write(`${need.label}: `);
    return readHidden(input, output);
  };
}

/**
 * Reads one line in raw mode, echoing nothing: Enter ends it, Backspace deletes, Ctrl-U clears,
 * Ctrl-C and Ctrl-D (on an empty line) give up. Escape sequences (arrow keys) are ignored.
 */
export function readHidden(input: PromptInput, output: PromptOutput): Promise<string | undefined> {
  return new Promise((resolve) => {
    let typed = '';
    const finish = (value: string | undefined) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (text.startsWith('\u001b')) return;
      for (const char of text) {
        if (char === '\r' || char === '\n') return finish(typed);
        if (char === '\u0003') return finish(undefined);
        if (char === '\u0004') {
          if (typed === '') return finish(undefined);
          continue;
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char === '\u0015') typed = '';
        else if (char >= ' ') typed += char;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}
