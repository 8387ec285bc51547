/**
 * `immuta-worksheets check`: finds check files, gives each its connection, stops on any file
 * problem before a session opens, gathers secrets, runs the checks with the same engine as the
 * editor (short-lived worksheets from a WorksheetRegistry) and reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFileConnection, looksLikeCheckFile, parseCheckFile } from '../checks/check-file';
import { runChecks, type CheckRunEnvironment, type CheckSuite } from '../checks/check-runner';
import { junitXml } from '../checks/junit';
import type { CheckRunSummary } from '../checks/types';
import type { Logger } from '../common/logger';
import { platformInfo } from '../platforms/catalog';
import { PlatformLoader } from '../platforms/loader';
import { WorksheetRegistry } from '../worksheets/registry';
import type { CheckCommandOptions } from './args';
import { CliError } from './errors';
import { findCheckFiles } from './files';
import { immutaProjectLookup, type ProjectLookup } from './immuta-projects';
import { loadProfiles } from './profiles';
import { Reporter } from './reporter';
import { resolveSecrets, type SecretPrompter } from './secrets';

export const IMMUTA_API_KEY_VARIABLE = 'IMMUTA_WORKSHEETS_IMMUTA_API_KEY';

export interface CommandIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly color: boolean;
  /** Undefined when no terminal can be asked. */
  readonly prompt: SecretPrompter | undefined;
  /** Where dist/platforms/<id>.js lives. */
  readonly platformsFolder: string;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The parser and runner; the real ones unless a test hands others. */
  readonly engine?: Partial<CheckEngine>;
}

export interface CheckEngine {
  readonly looksLikeCheckFile: typeof looksLikeCheckFile;
  readonly checkFileConnection: typeof checkFileConnection;
  readonly parseCheckFile: typeof parseCheckFile;
  readonly runChecks: typeof runChecks;
}

const REAL_ENGINE: CheckEngine = { looksLikeCheckFile, checkFileConnection, parseCheckFile, runChecks };

/** Exit codes: 0 every case passed (and one ran), 1 a case failed, 2 anything else. */
export function exitCodeOf(summary: CheckRunSummary, aborted: boolean): 0 | 1 | 2 {
  if (aborted || summary.errors > 0 || summary.skipped > 0 || summary.passed + summary.failed === 0) return 2;
  return summary.failed > 0 ? 1 : 0;
}

export async function runCheckCommand(options: CheckCommandOptions, io: CommandIo): Promise<number> {
  const engine: CheckEngine = { ...REAL_ENGINE, ...io.engine };
  const found = findCheckFiles(options.paths, io.cwd, engine.looksLikeCheckFile);
  if (found.length === 0) throw new CliError(`No check files in ${options.paths.join(', ')} (a check file is a .sql file with -- @check annotations).`);
  const { file: profilesFile, profiles } = loadProfiles(options.connectionsFile, io.cwd);
  const byName = new Map(profiles.map((profile) => [profile.name, profile]));

  const suites: CheckSuite[] = [];
  const problems: string[] = [];
  for (const { file, text } of found) {
    const name = engine.checkFileConnection(text)?.name ?? options.connection ?? (profiles.length === 1 ? profiles[0].name : undefined);
    const names = profiles.map((profile) => `"${profile.name}"`).join(', ');
    if (name === undefined) {
      problems.push(`${file}: no connection: write -- @connection <name> in the file or pass --connection <name> (connections in ${profilesFile}: ${names}).`);
      continue;
    }
    const profile = byName.get(name);
    if (profile === undefined) {
      problems.push(`${file}: the connection "${name}" is not in ${profilesFile} (it has ${names}).`);
      continue;
    }
    const parsed = engine.parseCheckFile(text, platformInfo(profile.platform).sqlDialect);
    for (const diagnostic of parsed.diagnostics) {
      const line = `${file}:${diagnostic.line + 1}:${diagnostic.startColumn + 1}: ${diagnostic.severity === 'warning' ? 'warning: ' : ''}${diagnostic.message}`;
      if (diagnostic.severity === 'error') problems.push(line);
      else io.err(`${line}\n`);
    }
    if (parsed.checks.length > 0) suites.push({ file, text, parsed, profile });
  }
  if (problems.length > 0) throw new CliError(`${problems.join('\n')}\nNothing was run.`);
  if (suites.length === 0) throw new CliError('The check files hold no checks; nothing was run.');

  const inUse = [...new Set(suites.map((suite) => suite.profile))];
  const secrets = await resolveSecrets(inUse, io.env, io.prompt);
  const projectOf = projectLookup(options.immutaUrl, io);

  const loader = new PlatformLoader((platform) => path.join(io.platformsFolder, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: (profile) => {
      const secret = secrets.get(profile.name);
      return secret === undefined ? Promise.reject(new CliError(`No secret was gathered for the connection "${profile.name}".`)) : Promise.resolve(secret);
    },
    logger: io.logger,
  });
  const environment: CheckRunEnvironment = {
    open: (profile) => registry.create(profile),
    close: (worksheet) => registry.close(worksheet.id),
    ...(projectOf !== undefined ? { projectOf: (identity, profile) => projectOf.projectOf(identity, profile) } : {}),
  };
  const reporter = new Reporter({ quiet: options.quiet, color: io.color, write: io.out });
  let summary: CheckRunSummary;
  try {
    summary = await engine.runChecks(suites, environment, {
      concurrency: options.concurrency,
      rowLimit: options.rowLimit,
      minimumAssurance: options.minimumAssurance,
      updateSnapshots: options.updateSnapshots,
      signal: io.signal,
      onCaseResult: (result) => reporter.caseResult(result),
    });
  } finally {
    // Every session is closed, also after Ctrl-C or a runner failure.
    await registry.dispose();
    projectOf?.dispose();
  }
  reporter.summary(summary);
  if (options.junit !== undefined) {
    const target = path.resolve(io.cwd, options.junit);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, junitXml(summary));
  }
  const aborted = io.signal.aborted;
  if (aborted) io.err('Interrupted: the cases that had not ended were not run.\n');
  return exitCodeOf(summary, aborted);
}

/** The project lookup of --immuta-url, which needs the API key in the environment. */
function projectLookup(url: string | undefined, io: CommandIo): ProjectLookup | undefined {
  if (url === undefined) return undefined;
  const key = io.env[IMMUTA_API_KEY_VARIABLE];
  if (key === undefined || key === '') throw new CliError(`--immuta-url needs an Immuta API key: set ${IMMUTA_API_KEY_VARIABLE}.`);
  return immutaProjectLookup(url, key, io.signal, io.logger);
}
