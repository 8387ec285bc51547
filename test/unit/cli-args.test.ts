import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONCURRENCY, DEFAULT_ROW_LIMIT, parseArgs, type CheckCommandOptions } from '../../src/cli/args';
import { UsageError } from '../../src/cli/errors';
import { findCheckFiles } from '../../src/cli/files';

function check(argv: string[]): CheckCommandOptions {
  const command = parseArgs(argv);
  assert.equal(command.kind, 'check');
  if (command.kind !== 'check') throw new Error('unreachable');
  return command.options;
}

function usage(argv: string[], message: RegExp): void {
  assert.throws(() => parseArgs(argv), (error: unknown) => error instanceof UsageError && error.exitCode === 2 && message.test(error.message));
}

describe('CLI arguments', () => {
  it('takes files and folders with documented defaults', () => {
    const options = check(['check', 'checks/', 'extra.sql']);
    assert.deepEqual(options, {
      paths: ['checks/', 'extra.sql'],
      connectionsFile: undefined,
      connection: undefined,
      junit: undefined,
      updateSnapshots: false,
      concurrency: DEFAULT_CONCURRENCY,
      rowLimit: DEFAULT_ROW_LIMIT,
      minimumAssurance: 'read-back',
      immutaUrl: undefined,
      quiet: false,
    });
  });

  it('reads every option, as --name value and as --name=value, anywhere on the line', () => {
    const options = check([
      '--quiet',
      'check',
      '--connections',
      'ci/connections.json',
      'a.sql',
      '--connection=Lab Redshift (governor)',
      '--junit',
      'out/junit.xml',
      '--update-snapshots',
      '--concurrency',
      '5',
      '--row-limit=250',
      '--minimum-assurance',
      'confirmed',
      '--immuta-url',
      'https://acme.immuta.example',
      '--',
      '--odd-file-name.sql',
    ]);
    assert.deepEqual(options, {
      paths: ['a.sql', '--odd-file-name.sql'],
      connectionsFile: 'ci/connections.json',
      connection: 'Lab Redshift (governor)',
      junit: 'out/junit.xml',
      updateSnapshots: true,
      concurrency: 5,
      rowLimit: 250,
      minimumAssurance: 'confirmed',
      immutaUrl: 'https://acme.immuta.example',
      quiet: true,
    });
  });

  it('answers --help and --version whatever else is given', () => {
    assert.deepEqual(parseArgs(['check', 'a.sql', '--help']), { kind: 'help' });
    assert.deepEqual(parseArgs(['--version']), { kind: 'version' });
  });

  it('refuses unknown options, missing values and bad numbers with a message that names them', () => {
    usage(['check', 'a.sql', '--password', 'x'], /Unknown option --password/);
    usage(['check', 'a.sql', '--token=abc'], /Unknown option --token\.$/);
    usage(['check', 'a.sql', '-q'], /Unknown option -q/);
    usage(['check', 'a.sql', '--junit'], /--junit needs a value/);
    usage(['check', 'a.sql', '--junit', '--quiet'], /--junit needs a value/);
    usage(['check', 'a.sql', '--connection='], /--connection needs a value/);
    usage(['check', 'a.sql', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 16 \(got "0"\)/);
    usage(['check', 'a.sql', '--row-limit', '1e3'], /--row-limit must be a whole number/);
    usage(['check', 'a.sql', '--minimum-assurance', 'strong'], /one of applied, read-back, confirmed/);
    usage(['check', 'a.sql', '--quiet=yes'], /--quiet takes no value/);
    usage(['check', 'a.sql', '--junit', 'a.xml', '--junit', 'b.xml'], /--junit is given twice/);
    usage(['check'], /at least one check file or folder/);
    usage([], /No command given/);
    usage(['run', 'a.sql'], /Unknown command "run"/);
  });
});

describe('CLI check-file discovery', () => {
  let root: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const isCheck = (text: string) => text.includes('@check');

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-files-'));
    write('checks/b.sql', '-- @check b\nSELECT 1;');
    write('checks/a.SQL', '-- @check a\nSELECT 1;');
    write('checks/nested/c.sql', '-- @check c\nSELECT 1;');
    write('checks/plain.sql', 'SELECT 1;');
    write('checks/notes.txt', '-- @check not sql');
    write('checks/node_modules/pkg/d.sql', '-- @check d\nSELECT 1;');
    write('checks/.hidden/e.sql', '-- @check e\nSELECT 1;');
    write('single.sql', 'SELECT 1; -- no annotations');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('searches folders recursively for .sql check files, skipping node_modules and dot-folders, in a stable order', () => {
    const found = findCheckFiles(['checks'], root, isCheck);
    assert.deepEqual(
      found.map((file) => file.file),
      [path.join('checks', 'a.SQL'), path.join('checks', 'b.sql'), path.join('checks', 'nested', 'c.sql')],
    );
    assert.equal(found[1].text, '-- @check b\nSELECT 1;');
  });

  it('reads a file named on the command line even if it does not look like a check file, once', () => {
    const found = findCheckFiles(['single.sql', 'checks/nested', 'checks/nested/c.sql'], root, isCheck);
    assert.deepEqual(
      found.map((file) => file.file),
      ['single.sql', path.join('checks', 'nested', 'c.sql')],
    );
  });

  it('says which path does not exist', () => {
    assert.throws(() => findCheckFiles(['nope/'], root, isCheck), /nope\/: no such file or folder/);
  });
});
