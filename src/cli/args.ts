/**
 * The command line of `immuta-worksheets`. No option takes a password, token or key: a value on
 * the command line lands in shell history and in every process listing (secrets come from the
 * environment or a prompt, see secrets.ts).
 */
import type { Assurance } from '../platforms/assurance';
import { UsageError } from './errors';

export interface CheckCommandOptions {
  /** Files and folders as given. */
  readonly paths: readonly string[];
  readonly connectionsFile?: string;
  readonly connection?: string;
  readonly junit?: string;
  readonly updateSnapshots: boolean;
  readonly concurrency: number;
  readonly rowLimit: number;
  readonly minimumAssurance: Assurance;
  readonly immutaUrl?: string;
  readonly quiet: boolean;
}

export type CliCommand = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'check'; readonly options: CheckCommandOptions };

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 16;
export const DEFAULT_ROW_LIMIT = 10_000;
export const MAX_ROW_LIMIT = 100_000_000;
const ASSURANCES: readonly Assurance[] = ['applied', 'read-back', 'confirmed'];

export const USAGE = `Usage: immuta-worksheets check <files or folders…> [options]

Runs the policy checks of .sql check files (folders are searched for them) and exits
0 when every case passed, 1 when a case failed, 2 for errors (bad file or option, no
connection, a case that could not be judged).

Options:
  --connections <file>      connection profiles, as in the setting immutaWorksheets.connections
                            (default: ./immuta-worksheets.connections.json, else .vscode/settings.json)
  --connection <name>       the connection of files without @connection
  --junit <file>            also write a JUnit XML report
  --update-snapshots        store the current results as the files' snapshots
  --concurrency <n>         cases run at once, each identity in a session of its own (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})
  --row-limit <n>           rows read per case unless a check says @limit (default ${DEFAULT_ROW_LIMIT})
  --minimum-assurance <l>   applied | read-back | confirmed: cases whose impersonation is less
                            certain are errors (default read-back)
  --immuta-url <url>        Immuta tenant, for the project of each identity in the report
                            (API key from IMMUTA_WORKSHEETS_IMMUTA_API_KEY)
  --quiet                   print only failures and the summary
  --help                    show this text
  --version                 show the version

Secrets are never options: set IMMUTA_WORKSHEETS_SECRET_<CONNECTION NAME> (upper case, every
run of other characters as _), or IMMUTA_WORKSHEETS_SECRET when one connection is used; on a
terminal you are asked for it.`;

type ValueOption = 'connections' | 'connection' | 'junit' | 'concurrency' | 'row-limit' | 'minimum-assurance' | 'immuta-url';
const VALUE_OPTIONS: readonly ValueOption[] = ['connections', 'connection', 'junit', 'concurrency', 'row-limit', 'minimum-assurance', 'immuta-url'];
const FLAGS = ['update-snapshots', 'quiet', 'help', 'version'] as const;
type Flag = (typeof FLAGS)[number];

function wholeNumber(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${option} must be a whole number from ${min} to ${max} (got "${text}").`);
  }
  return value;
}

/** @param argv the arguments after the program, e.g. `['check', 'checks/', '--quiet']` */
export function parseArgs(argv: readonly string[]): CliCommand {
  const values = new Map<ValueOption, string>();
  const flags = new Set<Flag>();
  const positional: string[] = [];
  let optionsEnded = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (arg === '-h') {
      flags.add('help');
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals === -1 ? undefined : equals) : '';
    if ((FLAGS as readonly string[]).includes(name)) {
      if (equals !== -1) throw new UsageError(`--${name} takes no value.`);
      flags.add(name as Flag);
      continue;
    }
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) {
      throw new UsageError(`Unknown option ${equals === -1 ? arg : arg.slice(0, equals)}.`);
    }
    const option = name as ValueOption;
    let value: string | undefined;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[index + 1];
      // A following option is not a value: `--junit --quiet` forgot the file.
      if (next !== undefined && !(next.startsWith('--') && next.length > 2)) {
        value = next;
        index++;
      }
    }
    if (value === undefined || value === '') throw new UsageError(`--${option} needs a value.`);
    if (values.has(option)) throw new UsageError(`--${option} is given twice.`);
    values.set(option, value);
  }
  if (flags.has('help')) return { kind: 'help' };
  if (flags.has('version')) return { kind: 'version' };

  const [command, ...paths] = positional;
  if (command === undefined) throw new UsageError('No command given: the command is "check".');
  if (command !== 'check') throw new UsageError(`Unknown command "${command}": the command is "check".`);
  if (paths.length === 0) throw new UsageError('Name at least one check file or folder.');

  const assurance = values.get('minimum-assurance') ?? 'read-back';
  if (!(ASSURANCES as readonly string[]).includes(assurance)) {
    throw new UsageError(`--minimum-assurance must be one of ${ASSURANCES.join(', ')} (got "${assurance}").`);
  }
  const concurrency = values.get('concurrency');
  const rowLimit = values.get('row-limit');
  return {
    kind: 'check',
    options: {
      paths,
      connectionsFile: values.get('connections'),
      connection: values.get('connection'),
      junit: values.get('junit'),
      updateSnapshots: flags.has('update-snapshots'),
      concurrency: concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber('concurrency', concurrency, 1, MAX_CONCURRENCY),
      rowLimit: rowLimit === undefined ? DEFAULT_ROW_LIMIT : wholeNumber('row-limit', rowLimit, 1, MAX_ROW_LIMIT),
      minimumAssurance: assurance as Assurance,
      immutaUrl: values.get('immuta-url'),
      quiet: flags.has('quiet'),
    },
  };
}
