import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { CliError } from '../../src/cli/errors';
import { readHidden, resolveSecrets, secretVariable, terminalPrompter, type PromptInput } from '../../src/cli/secrets';
import { parseProfile } from '../../src/platforms/profile';
import type { ConnectionProfile } from '../../src/platforms/types';

function profile(raw: Record<string, unknown>): ConnectionProfile {
  const parsed = parseProfile(raw, 'test', () => '');
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.profile;
}

const redshift = profile({ name: 'Lab Redshift (governor)', platform: 'redshift', host: '127.0.0.1', user: 'governor' });
const trino = profile({ name: 'trino-lab', platform: 'trino', server: 'http://127.0.0.1:8080', user: 'gov', auth: 'jwt' });
const trinoNoAuth = profile({ name: 'open trino', platform: 'trino', server: 'http://127.0.0.1:8080', user: 'gov', auth: 'none' });

class FakeTerminal extends EventEmitter implements PromptInput {
  readonly isTTY = true;
  raw = false;
  written = '';
  setRawMode(mode: boolean): this {
    this.raw = mode;
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  write(text: string): boolean {
    this.written += text;
    return true;
  }
}

describe('CLI secrets', () => {
  it('derives the documented variable name from the connection name', () => {
    assert.equal(secretVariable('Lab Redshift (governor)'), 'IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR');
    assert.equal(secretVariable('trino-lab'), 'IMMUTA_WORKSHEETS_SECRET_TRINO_LAB');
    assert.equal(secretVariable('prod  --  eu.west/2'), 'IMMUTA_WORKSHEETS_SECRET_PROD_EU_WEST_2');
    assert.equal(secretVariable('***'), 'IMMUTA_WORKSHEETS_SECRET');
  });

  it('fills the field the profile signs in with, from its own variable', async () => {
    const secrets = await resolveSecrets([redshift, trino], { IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR: 'pw', IMMUTA_WORKSHEETS_SECRET_TRINO_LAB: 'jwt' }, undefined);
    assert.deepEqual(secrets.get(redshift.name), { password: 'pw' });
    assert.deepEqual(secrets.get(trino.name), { token: 'jwt' });
  });

  it('falls back to IMMUTA_WORKSHEETS_SECRET only when the run uses one connection', async () => {
    assert.deepEqual((await resolveSecrets([redshift], { IMMUTA_WORKSHEETS_SECRET: 'pw' }, undefined)).get(redshift.name), { password: 'pw' });
    await assert.rejects(resolveSecrets([redshift, trino], { IMMUTA_WORKSHEETS_SECRET: 'pw', IMMUTA_WORKSHEETS_SECRET_TRINO_LAB: 'jwt' }, undefined), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.message, 'No secret for connection "Lab Redshift (governor)": set IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR (its password).');
      return true;
    });
  });

  it('needs nothing for a connection that signs in without a secret', async () => {
    assert.deepEqual((await resolveSecrets([trinoNoAuth], {}, undefined)).get(trinoNoAuth.name), {});
  });

  it('refuses an empty password, and two connections that share a variable, without printing any value', async () => {
    await assert.rejects(resolveSecrets([redshift], { IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR: '' }, undefined), /IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR is empty/);
    const twin = { ...redshift, name: 'lab redshift governor' };
    const env = { IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR: 'hunter2-secret' };
    await assert.rejects(resolveSecrets([redshift, twin], env, undefined), (error: unknown) => {
      assert.ok(error instanceof Error && /would both take their secret from IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR/.test(error.message));
      assert.ok(!error.message.includes('hunter2-secret'));
      return true;
    });
  });

  it('asks on the terminal when no variable is set, and gives up on no answer', async () => {
    const asked: string[] = [];
    const secrets = await resolveSecrets([redshift], {}, (bound, need) => {
      asked.push(`${bound.name}/${need.label}`);
      return Promise.resolve('typed');
    });
    assert.deepEqual(asked, ['Lab Redshift (governor)/Password']);
    assert.deepEqual(secrets.get(redshift.name), { password: 'typed' });
    await assert.rejects(resolveSecrets([redshift], {}, () => Promise.resolve(undefined)), /No password was given for the connection "Lab Redshift \(governor\)"; nothing was run/);
  });

  it('prompts on stderr without echo: backspace deletes, Enter ends, raw mode is left again', async () => {
    const terminal = new FakeTerminal();
    const prompter = terminalPrompter(terminal, terminal);
    assert.ok(prompter);
    const answer = prompter(redshift, { field: 'password', label: 'Password', mayBeEmpty: false });
    assert.equal(terminal.raw, true);
    terminal.emit('data', Buffer.from('s3cX'));
    terminal.emit('data', Buffer.from('\u007f'));
    terminal.emit('data', Buffer.from('\u001b[D'));
    terminal.emit('data', Buffer.from('ret\r'));
    assert.equal(await answer, 's3cret');
    assert.equal(terminal.raw, false);
    assert.match(terminal.written, /^Password for governor on 127\.0\.0\.1:5439 \(connection "Lab Redshift \(governor\)"\)\n/);
    assert.match(terminal.written, /IMMUTA_WORKSHEETS_SECRET_LAB_REDSHIFT_GOVERNOR/);
    assert.ok(!terminal.written.includes('s3c'), 'nothing typed is echoed');
    assert.equal(terminal.listenerCount('data'), 0);
  });

  it('gives up on Ctrl-C, and on Ctrl-D at an empty line', async () => {
    const terminal = new FakeTerminal();
    const interrupted = readHidden(terminal, terminal);
    terminal.emit('data', 'abc\u0003');
    assert.equal(await interrupted, undefined);
    assert.equal(terminal.raw, false);
    const ended = readHidden(terminal, terminal);
    terminal.emit('data', '\u0004');
    assert.equal(await ended, undefined);
  });

  it('does not prompt when stdin or stderr is not a terminal', () => {
    const terminal = new FakeTerminal();
    assert.equal(terminalPrompter(terminal, { isTTY: false, write: () => true }), undefined);
    assert.equal(terminalPrompter(Object.assign(new FakeTerminal(), { isTTY: false }), terminal), undefined);
  });
});
