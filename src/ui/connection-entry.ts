/**
 * The pure half of `Immuta: Add Connection`: which steps each platform asks, how each answer is
 * checked, and how the answers become one entry of `immutaWorksheets.connections`.
 *
 * No `vscode` import on purpose: the unit tests run this under plain mocha and parse the entry
 * it builds with `parseProfile`, so the wizard cannot write an entry the store would refuse.
 */
import { PLATFORMS } from '../platforms/catalog';
import { USER_PLACEHOLDER } from '../platforms/impersonation-template';
import type { DatabricksAuth, PlatformId, SnowflakeAuth, SynapseAuth, TlsMode, TrinoAuth, TrinoImpersonationMode } from '../platforms/types';
import { PROBE_EXPECT_PROMPT, PROBE_IN_ONE_LINE, PROBE_STATEMENT_PLACEHOLDER, probeFrom, validateProbeExpect, validateProbeStatement } from './effect-probe-settings';

/** The platforms the wizard knows how to ask for; the catalog decides which of them are offered. */
export type WizardPlatform = PlatformId;

/** Every answer the wizard may collect; most are also the setting's own key. */
export type StepKey =
  | 'platform'
  | 'name'
  | 'host'
  | 'port'
  | 'database'
  | 'user'
  | 'tls'
  | 'server'
  | 'auth'
  | 'catalog'
  | 'schema'
  | 'impersonationMode'
  | 'account'
  | 'privateKeyFile'
  | 'role'
  | 'warehouse'
  | 'httpPath'
  | 'unityCatalog'
  | 'probeStatement'
  | 'probeExpect'
  | 'saveTo';

/** Answers as the user gave them (untrimmed); a skipped optional step is the empty string. */
export type Answers = Partial<Record<StepKey, string>>;

/** Where the entry is written; the wizard maps it to a `ConfigurationTarget`. */
export type SaveTarget = 'user' | 'workspace';

interface StepBase {
  readonly key: StepKey;
  /** Short name shown after the step counter in the title. */
  readonly label: string;
}

export interface TextStep extends StepBase {
  readonly kind: 'text';
  readonly prompt: string;
  readonly placeholder?: string;
  /** Pre-filled value (a documented default). */
  readonly initial?: string;
  /** An empty answer is allowed and means "leave it out of the entry". */
  readonly optional: boolean;
  /** A user-facing problem with the value, or undefined when it is fine. */
  validate(value: string): string | undefined;
}

export interface Choice {
  readonly value: string;
  readonly label: string;
  readonly description: string;
}

export interface PickStep extends StepBase {
  readonly kind: 'pick';
  readonly placeholder: string;
  /** The first choice is the recommended one (the setting's default where it has one). */
  readonly choices: readonly Choice[];
}

export interface FileStep extends StepBase {
  readonly kind: 'file';
  readonly prompt: string;
  /** Open-dialog filters: name → extensions without the dot. */
  readonly filters: Readonly<Record<string, readonly string[]>>;
}

export type Step = TextStep | PickStep | FileStep;

export interface WizardContext {
  /** Names of the connections already configured; a new one must differ. */
  readonly existingNames: ReadonlySet<string>;
  /** Whether to ask where to save (only when a workspace is open is there a choice). */
  readonly askSaveTarget: boolean;
}

const IMPERSONATION_ROLE_DEFAULT = 'IMMUTA_IMPERSONATION';
const IMPERSONATION_VARIABLE_DEFAULT = 'IMMUTA_IMP_USER';

/** Trims, then checks: every validator sees what will be saved, not stray whitespace. */
function required(what: string): (value: string) => string | undefined {
  return (value) => (value.trim() === '' ? `${what} is needed.` : undefined);
}

const noCheck = (): undefined => undefined;

function nameStep(context: WizardContext): TextStep {
  return {
    kind: 'text',
    key: 'name',
    label: 'name',
    prompt: 'Your name for this connection, shown in the status bar',
    optional: false,
    validate: (value) => {
      const name = value.trim();
      if (name === '') return 'A name is needed.';
      return context.existingNames.has(name) ? `"${name}" is already a connection; choose another name.` : undefined;
    },
  };
}

function loginStep(prompt: string): TextStep {
  return { kind: 'text', key: 'user', label: 'login', prompt, optional: false, validate: required('A login') };
}

function optionalStep(key: StepKey, label: string, prompt: string): TextStep {
  return { kind: 'text', key, label, prompt, optional: true, validate: noCheck };
}

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** `https?://host[:port]` with nothing after but an optional slash: the client adds its own paths. */
export function validateServerUrl(value: string): string | undefined {
  const match = /^(https?):\/\/([^/:[\]\s]+|\[[0-9A-Fa-f:.]+\])(?::([^/]*))?\/?$/i.exec(value.trim());
  const example = 'e.g. https://starburst.example.com:8443';
  if (!match) return `A URL of the form http(s)://host[:port] with no path, ${example}.`;
  const host = match[2] ?? '';
  if (!host.startsWith('[') && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    return `"${host}" is not a host name or IP address (${example}).`;
  }
  const port = match[3];
  if (port !== undefined && !validPort(port)) return `The port must be a number from 1 to 65535 (${example}).`;
  return undefined;
}

/** An account identifier (`myorg-myaccount`, or a legacy locator such as `xy12345.us-east-2.aws`), not a URL. */
export function validateSnowflakeAccount(value: string): string | undefined {
  const account = value.trim();
  if (account === '') return 'An account identifier is needed, e.g. myorg-myaccount.';
  // People paste the URL from the browser; the driver builds the URL itself.
  if (/:\/\/|snowflakecomputing\.(com|cn)/i.test(account)) {
    return 'Only the account identifier, not the URL: for https://myorg-myaccount.snowflakecomputing.com enter myorg-myaccount.';
  }
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(account) ? undefined : 'An account identifier has only letters, digits, "-", "_" and ".", e.g. myorg-myaccount.';
}

function redshiftSteps(): Step[] {
  return [
    {
      kind: 'text',
      key: 'host',
      label: 'host',
      prompt: 'Cluster endpoint, e.g. examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com',
      optional: false,
      validate: (value) => (/^[A-Za-z0-9.:[\]_-]+$/.test(value.trim()) ? undefined : 'A host name or IP address (no scheme, no port).'),
    },
    {
      kind: 'text',
      key: 'port',
      label: 'port',
      prompt: 'Cluster port',
      initial: '5439',
      optional: false,
      validate: (value) => (validPort(value.trim()) ? undefined : 'A port from 1 to 65535.'),
    },
    { kind: 'text', key: 'database', label: 'database', prompt: 'Database to connect to', initial: 'dev', optional: false, validate: required('A database name') },
    loginStep('Database login (its Immuta user needs IMPERSONATE_USER to impersonate). The password is asked for on first connect and kept in secret storage.'),
    {
      kind: 'pick',
      key: 'tls',
      label: 'TLS',
      placeholder: 'How to secure the connection',
      choices: [
        { value: 'verify-full', label: 'verify-full', description: 'encrypt; check the certificate and the host name (recommended)' },
        { value: 'verify-ca', label: 'verify-ca', description: 'encrypt; check the certificate chain only' },
        { value: 'require', label: 'require', description: 'encrypt; trust any certificate' },
        { value: 'disable', label: 'disable', description: 'no TLS (local test databases only)' },
      ] satisfies readonly (Choice & { value: TlsMode })[],
    },
  ];
}

function trinoSteps(): Step[] {
  return [
    { kind: 'text', key: 'server', label: 'server URL', prompt: 'Coordinator URL, http(s)://host[:port]', placeholder: 'https://starburst.example.com:8443', optional: false, validate: validateServerUrl },
    loginStep('The login that authenticates (its Immuta user needs IMPERSONATE_USER to impersonate)'),
    {
      kind: 'pick',
      key: 'auth',
      label: 'authentication',
      placeholder: 'How the login signs in',
      choices: [
        { value: 'basic', label: 'basic', description: 'user and password; the password is asked for on first connect and kept in secret storage' },
        { value: 'jwt', label: 'jwt', description: 'JWT bearer token; asked for on first connect and kept in secret storage' },
        { value: 'none', label: 'none', description: 'no authentication, nothing stored (test clusters only)' },
      ] satisfies readonly (Choice & { value: TrinoAuth })[],
    },
    optionalStep('catalog', 'catalog', 'Default catalog (optional; leave empty for none)'),
    optionalStep('schema', 'schema', 'Default schema (optional; leave empty for none)'),
    {
      kind: 'pick',
      key: 'impersonationMode',
      label: 'impersonation',
      placeholder: 'How worksheets impersonate',
      choices: [
        { value: 'session-property', label: 'session-property', description: "SET SESSION immuta.immuta_user = '<user>', as Immuta documents (default)" },
        { value: 'native', label: 'native', description: "Trino's own impersonation (X-Trino-User); user names must be printable ASCII" },
      ] satisfies readonly (Choice & { value: TrinoImpersonationMode })[],
    },
  ];
}

function snowflakeSteps(answers: Answers): Step[] {
  const keyFile: FileStep[] =
    answers.auth === 'key-pair'
      ? [{ kind: 'file', key: 'privateKeyFile', label: 'private key file', prompt: 'Select the PKCS#8 private key (PEM)', filters: { 'Private keys': ['p8', 'pem', 'key'], 'All files': ['*'] } }]
      : [];
  return [
    { kind: 'text', key: 'account', label: 'account', prompt: 'Account identifier, e.g. myorg-myaccount', optional: false, validate: validateSnowflakeAccount },
    loginStep('Snowflake login (its Immuta user needs IMPERSONATE_USER, the login needs the impersonation role)'),
    {
      kind: 'pick',
      key: 'auth',
      label: 'authentication',
      placeholder: 'How the login signs in',
      choices: [
        { value: 'password', label: 'password', description: 'asked for on first connect and kept in secret storage' },
        { value: 'key-pair', label: 'key-pair', description: 'a PKCS#8 key file; its passphrase, when it has one, is asked for on first connect and kept in secret storage' },
        { value: 'external-browser', label: 'external-browser', description: 'single sign-on in the system browser; nothing stored' },
      ] satisfies readonly (Choice & { value: SnowflakeAuth })[],
    },
    ...keyFile,
    optionalStep('role', 'role', `Role to use as yourself (optional). ${snowflakeImpersonationNote()}`),
    optionalStep('warehouse', 'warehouse', 'Warehouse (optional; leave empty for the login default)'),
    optionalStep('database', 'database', 'Database (optional; leave empty for the login default)'),
    optionalStep('schema', 'schema', 'Schema (optional; leave empty for the login default)'),
  ];
}

/** A host name or IP address, no scheme and no path (the drivers build their own URLs). */
function validateHost(value: string): string | undefined {
  return /^[A-Za-z0-9.:[\]_-]+$/.test(value.trim()) ? undefined : 'A host name or IP address (no scheme, no path).';
}

function synapseSteps(): Step[] {
  return [
    { kind: 'text', key: 'server', label: 'server', prompt: 'SQL endpoint, e.g. myworkspace.sql.azuresynapse.net', optional: false, validate: validateHost },
    { kind: 'text', key: 'port', label: 'port', prompt: 'Port', initial: '1433', optional: false, validate: (value) => (validPort(value.trim()) ? undefined : 'A port from 1 to 65535.') },
    { kind: 'text', key: 'database', label: 'database', prompt: 'Dedicated SQL pool (database)', optional: false, validate: required('A database name') },
    {
      kind: 'pick',
      key: 'auth',
      label: 'authentication',
      placeholder: 'How the login signs in',
      choices: [
        { value: 'sql', label: 'sql', description: 'SQL login and password; the password is asked for on first connect and kept in secret storage' },
        { value: 'azure-ad-password', label: 'azure-ad-password', description: 'Azure AD user and password (set clientId in settings)' },
        { value: 'azure-ad-service-principal', label: 'azure-ad-service-principal', description: 'login = the client id; set tenantId in settings; the secret is asked for on first connect' },
      ] satisfies readonly (Choice & { value: SynapseAuth })[],
    },
    loginStep('SQL login or Azure AD user (its Immuta user needs IMPERSONATE_USER). Map Immuta users to Synapse users with userMap in settings.'),
  ];
}

function databricksSteps(): Step[] {
  return [
    { kind: 'text', key: 'host', label: 'host', prompt: 'Workspace host, e.g. adb-1234567890123456.7.azuredatabricks.net', optional: false, validate: validateHost },
    { kind: 'text', key: 'httpPath', label: 'HTTP path', prompt: "The cluster's or SQL warehouse's HTTP path, e.g. /sql/protocolv1/o/…", optional: false, validate: required('An HTTP path') },
    {
      kind: 'pick',
      key: 'auth',
      label: 'authentication',
      placeholder: 'How to sign in',
      choices: [
        { value: 'token', label: 'token', description: 'a personal access token, asked for on first connect and kept in secret storage' },
        { value: 'oauth-m2m', label: 'oauth-m2m', description: "a service principal (set clientId in settings); its secret is asked for on first connect" },
      ] satisfies readonly (Choice & { value: DatabricksAuth })[],
    },
    {
      kind: 'pick',
      key: 'unityCatalog',
      label: 'Unity Catalog',
      placeholder: 'Does this workspace use Unity Catalog?',
      choices: [
        { value: 'false', label: 'No', description: 'Databricks Spark: worksheets can impersonate' },
        { value: 'true', label: 'Yes', description: 'Immuta does not support impersonation on Unity Catalog: worksheets run as yourself' },
      ],
    },
  ];
}

/** Said in the probe step's prompt: where Immuta documents no impersonation statement, a probe is what confirms one. */
export const PROBE_STEP_LABEL = 'Effect probe (recommended for Snowflake and Databricks; optional elsewhere)';

/**
 * The optional effect probe, after the platform's own (impersonation) steps; its expected answer
 * only once a probe was given. None where the connection cannot impersonate (Unity Catalog).
 */
function probeSteps(answers: Answers): TextStep[] {
  if (answers.platform === 'databricks' && answers.unityCatalog === 'true') return [];
  const statement: TextStep = {
    kind: 'text',
    key: 'probeStatement',
    label: 'effect probe',
    prompt: `${PROBE_STEP_LABEL}. ${PROBE_IN_ONE_LINE} Leave empty to skip.`,
    placeholder: PROBE_STATEMENT_PLACEHOLDER,
    optional: true,
    validate: validateProbeStatement,
  };
  if ((answers.probeStatement ?? '').trim() === '') return [statement];
  return [
    statement,
    { kind: 'text', key: 'probeExpect', label: 'probe answer', prompt: PROBE_EXPECT_PROMPT, initial: USER_PLACEHOLDER, optional: false, validate: validateProbeExpect },
  ];
}

/** Said where the user picks a role and again once saved, because these names are not asked. */
export function snowflakeImpersonationNote(): string {
  return `To impersonate, the worksheet takes the role ${IMPERSONATION_ROLE_DEFAULT} and sets the variable ${IMPERSONATION_VARIABLE_DEFAULT}; change impersonationRole / impersonationVariable in settings if your integration differs.`;
}

/** Platforms the wizard offers: those the catalog ships and this module knows how to ask for. */
export function wizardPlatforms(): WizardPlatform[] {
  return Object.values(PLATFORMS)
    .filter((info) => info.available)
    .map((info) => info.id);
}

function isWizardPlatform(value: string | undefined): value is WizardPlatform {
  return value !== undefined && (wizardPlatforms() as readonly string[]).includes(value);
}

/**
 * The steps for the answers so far. A step only ever depends on answers to earlier steps
 * (platform, auth), so the step at a given position never changes as the user goes on; only
 * the total can grow (Snowflake key-pair adds the key file). Until the platform is chosen the
 * list holds the platform step alone.
 */
export function wizardSteps(answers: Answers, context: WizardContext): Step[] {
  const platformStep: PickStep = {
    kind: 'pick',
    key: 'platform',
    label: 'platform',
    placeholder: 'Which data platform?',
    choices: wizardPlatforms().map((id) => ({ value: id, label: PLATFORMS[id].displayName, description: '' })),
  };
  if (!isWizardPlatform(answers.platform)) return [platformStep];
  const own: Step[] = {
    redshift: redshiftSteps,
    trino: trinoSteps,
    snowflake: () => snowflakeSteps(answers),
    synapse: synapseSteps,
    databricks: databricksSteps,
  }[answers.platform]();
  const save: PickStep[] = context.askSaveTarget
    ? [
        {
          kind: 'pick',
          key: 'saveTo',
          label: 'save to',
          placeholder: 'Where to keep the connection',
          choices: [
            { value: 'user', label: 'User settings', description: 'available in every workspace' },
            { value: 'workspace', label: 'Workspace settings', description: 'only in this workspace' },
          ] satisfies readonly (Choice & { value: SaveTarget })[],
        },
      ]
    : [];
  return [platformStep, nameStep(context), ...own, ...probeSteps(answers), ...save];
}

/** `Add Connection (3/8): server URL`; before the platform is known the total is not, hence `…`. */
export function stepTitle(position: number, total: number | undefined, label: string): string {
  return `Add Connection (${position}/${total ?? '…'}): ${label}`;
}

export type EntryResult = { readonly ok: true; readonly entry: Record<string, unknown>; readonly saveTo: SaveTarget } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks every answer again with its step's own rule (the input box already did, but the
 * entry must never depend on that) and builds the settings entry: values trimmed, optional
 * answers left empty omitted, numbers as numbers.
 */
export function buildEntry(answers: Answers, context: WizardContext): EntryResult {
  const steps = wizardSteps(answers, context);
  if (!isWizardPlatform(answers.platform)) {
    return { ok: false, problems: [`platform must be one of ${wizardPlatforms().join(', ')}.`] };
  }
  const problems: string[] = [];
  const value = (key: StepKey): string => (answers[key] ?? '').trim();
  for (const step of steps) {
    const answer = answers[step.key];
    if (step.kind === 'text') {
      const problem = answer === undefined && !step.optional ? 'no answer was given.' : step.validate(answer ?? '');
      if (problem !== undefined) problems.push(`${step.label}: ${problem}`);
    } else if (step.kind === 'pick') {
      if (!step.choices.some((choice) => choice.value === answer)) {
        problems.push(`${step.label}: must be one of ${step.choices.map((choice) => choice.value).join(', ')}.`);
      }
    } else if (value(step.key) === '') {
      problems.push(`${step.label}: a file is needed.`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  // Optional answers are spread in only when non-empty, so the entry stays as small as the user's choices.
  const optional = (key: StepKey): Record<string, string> => (value(key) === '' ? {} : { [key]: value(key) });
  const head = { name: value('name'), platform: answers.platform };
  const saveTo: SaveTarget = answers.saveTo === 'workspace' ? 'workspace' : 'user';
  const built = entryFor(answers.platform, head, value, optional);
  // The probe goes last in the entry, as it is asked last; only when one was given (and offered).
  const probeAsked = steps.some((step) => step.key === 'probeStatement');
  const probe = probeAsked && value('probeStatement') !== '' ? { effectProbe: probeFrom(value('probeStatement'), value('probeExpect')) } : {};
  return { ok: true, saveTo, entry: { ...built, ...probe } };
}

/** The platform's own fields of the entry, from answers already checked. */
function entryFor(
  platform: WizardPlatform,
  head: { readonly name: string; readonly platform: WizardPlatform },
  value: (key: StepKey) => string,
  optional: (key: StepKey) => Record<string, string>,
): Record<string, unknown> {
  switch (platform) {
    case 'redshift':
      return { ...head, host: value('host'), port: Number(value('port')), database: value('database'), user: value('user'), tls: { mode: value('tls') } };
    case 'trino':
      return {
        ...head,
        server: value('server').replace(/\/+$/, ''),
        user: value('user'),
        auth: value('auth'),
        ...optional('catalog'),
        ...optional('schema'),
        impersonationMode: value('impersonationMode'),
      };
    case 'snowflake':
      return {
        ...head,
        account: value('account'),
        user: value('user'),
        auth: value('auth'),
        ...(value('auth') === 'key-pair' ? optional('privateKeyFile') : {}),
        ...optional('role'),
        ...optional('warehouse'),
        ...optional('database'),
        ...optional('schema'),
      };
    case 'synapse':
      return { ...head, server: value('server'), port: Number(value('port')), database: value('database'), auth: value('auth'), user: value('user') };
    case 'databricks':
      return { ...head, host: value('host'), httpPath: value('httpPath'), auth: value('auth'), ...(value('unityCatalog') === 'true' ? { unityCatalog: true } : {}) };
  }
}
