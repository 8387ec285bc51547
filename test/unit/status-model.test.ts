import * as assert from 'node:assert/strict';
import type { ConnectionProfile, DatabricksProfile, RedshiftProfile } from '../../src/platforms/types';
import { statusModel } from '../../src/ui/status-model';
import type { IdentityState } from '../../src/worksheets/identity';
import type { WorksheetSnapshot } from '../../src/worksheets/worksheet';

const profile: RedshiftProfile = {
  name: 'prod',
  platform: 'redshift',
  host: 'cluster.example',
  port: 5439,
  database: 'dev',
  user: 'gov',
  tls: { mode: 'verify-full' },
  connectTimeoutMs: 1000,
  applicationName: 'x',
};

function snapshot(identity: IdentityState, extra: Partial<WorksheetSnapshot> = {}): WorksheetSnapshot {
  return { id: 'w', profile, identity, connection: 'open', login: 'gov', sessionId: '42', busy: false, queued: 0, closed: false, ...extra };
}

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

describe('status bar model', () => {
  it('asks for a connection when the worksheet has none', () => {
    const model = statusModel(undefined, NOW);
    assert.equal(model.connection.text, '$(database) Select connection');
    assert.equal(model.connection.command, 'immutaWorksheets.selectConnection');
    assert.equal(model.identity.text, '$(account) yourself');
  });

  it('shows the profile and platform, with a spinner while busy', () => {
    assert.equal(statusModel(snapshot({ kind: 'yourself' }), NOW).connection.text, '$(database) prod · Redshift');
    assert.equal(statusModel(snapshot({ kind: 'yourself' }, { busy: true }), NOW).connection.text, '$(loading~spin) prod · Redshift');
    assert.match(statusModel(snapshot({ kind: 'yourself' }, { connection: 'lost' }), NOW).connection.tooltip, /lost; the next run reconnects and re-applies/);
  });

  it('says up front that a Unity Catalog connection cannot impersonate', () => {
    const unity: DatabricksProfile = { name: 'uc', platform: 'databricks', host: 'h', port: 443, httpPath: '/p', auth: 'token', unityCatalog: true, tls: { verify: true }, connectTimeoutMs: 1000 };
    const model = statusModel(snapshot({ kind: 'yourself' }, { profile: unity }), NOW);
    assert.equal(model.identity.text, '$(circle-slash) yourself · no impersonation');
    assert.match(model.identity.tooltip, /does not support user impersonation on Databricks Unity Catalog/);
    assert.equal(statusModel(snapshot({ kind: 'yourself' }, { profile: { ...unity, unityCatalog: false } }), NOW).identity.text, '$(account) yourself');
  });

  it('shows whom the worksheet runs as, how long and how sure it is', () => {
    const model = statusModel(snapshot({ kind: 'impersonating', user: 'bob@example.com', since: NOW - 120000, assurance: 'applied' }), NOW);
    assert.equal(model.identity.text, '$(person) as bob@example.com · applied');
    assert.equal(model.identity.warning, false);
    assert.match(model.identity.tooltip, /\*\*Impersonating bob@example\\\.com\*\*/);
    assert.match(model.identity.tooltip, /2 min ago/);
    assert.match(model.identity.tooltip, /Assurance: \*\*applied\*\*\. Applied, not confirmed: Immuta documents no way to read impersonation back on Redshift/);
    assert.match(model.identity.tooltip, /Immuta project: \*\*unknown\*\*\. No Immuta URL is configured/);
    assert.match(model.identity.tooltip, /\[Stop impersonating\]\(command:immutaWorksheets\.stopImpersonating\)/);
    assert.match(model.identity.tooltip, /\[Add an effect probe…\]\(command:immutaWorksheets\.setEffectProbe\)/);
  });

  it('gives each item an accessible name that says the identity in words, without icons', () => {
    const cases: [WorksheetSnapshot | undefined, RegExp][] = [
      [undefined, /^Runs as yourself, with no impersonation\. Activate to impersonate an Immuta user\.$/],
      [snapshot({ kind: 'impersonating', user: 'bob@example.com', since: NOW, assurance: 'confirmed' }), /^Runs as bob@example\.com, impersonated, confirmed\. Activate to change, stop or verify\.$/],
      [snapshot({ kind: 'impersonating', user: 'bob@example.com', since: NOW, assurance: 'applied' }), /^Runs as bob@example\.com, impersonated, applied\. /],
      [snapshot({ kind: 'applying', user: 'carol', reason: 'requested' }), /^Applying the impersonation of carol; nothing runs until it is in place\.$/],
      [snapshot({ kind: 'unknown', reason: 'the session was lost', intendedUser: 'bob' }), /^Warning: whom statements would run as is not known/],
    ];
    for (const [state, expected] of cases) {
      const label = statusModel(state, NOW).identity.label;
      assert.match(label, expected);
      assert.doesNotMatch(label, /\$\(/, 'no icon syntax is read out');
    }
    assert.equal(statusModel(snapshot({ kind: 'yourself' }), NOW).connection.label, 'Immuta connection: prod, Amazon Redshift. Activate to change the connection.');
    const project = statusModel(snapshot({ kind: 'impersonating', user: 'bob@example.com', since: NOW, assurance: 'read-back' }), NOW, {
      permission: { kind: 'held', user: 'gov' },
      project: { kind: 'project', id: 1, name: 'Fraud Analytics', checkedAt: NOW },
    }).identity.label;
    assert.match(project, /; in the Immuta project Fraud Analytics, only its data sources are visible\./);
  });

  describe('with Immuta facts', () => {
    const bob = snapshot({ kind: 'impersonating', user: 'bob@example.com', since: NOW, assurance: 'read-back' });
    const held = { kind: 'held', user: 'governor@example.com' } as const;

    it('warns when the impersonated user acts under a project, and says what that means', () => {
      const model = statusModel(bob, NOW, { permission: held, project: { kind: 'project', id: 1, name: 'Fraud Analytics', checkedAt: NOW } });
      assert.equal(model.identity.text, '$(warning) as bob@example.com · read back · project Fraud Analytics');
      assert.equal(model.identity.warning, true);
      assert.match(model.identity.tooltip, /\*\*Immuta project: Fraud Analytics\.\*\* bob@example\\\.com is acting under this project, so only its data sources are visible/);
      assert.match(model.identity.tooltip, /Your Immuta user governor@example\\\.com holds IMPERSONATE_USER/);
    });

    it('says "none" only when Immuta said so, and "unknown" when it could not be asked', () => {
      const none = statusModel(bob, NOW, { permission: held, project: { kind: 'none', checkedAt: NOW } });
      assert.equal(none.identity.text, '$(person) as bob@example.com · read back');
      assert.equal(none.identity.warning, false);
      assert.match(none.identity.tooltip, /Immuta project: none\./);
      const failed = statusModel(bob, NOW, { permission: { kind: 'error', message: 'Immuta at https://x did not answer within 10 s' }, project: { kind: 'error', message: 'Immuta at https://x did not answer within 10 s' } });
      assert.equal(failed.identity.text, '$(person) as bob@example.com · read back');
      assert.match(failed.identity.tooltip, /Immuta project: \*\*unknown\*\*\. Immuta could not be asked: Immuta at https:\/\/x did not answer within 10 s/);
      assert.doesNotMatch(failed.identity.tooltip, /Immuta project: none/);
      const noKey = statusModel(bob, NOW, { permission: { kind: 'no-key' }, project: { kind: 'no-key' } });
      assert.match(noKey.identity.tooltip, /\[Set Immuta API Key…\]\(command:immutaWorksheets\.setImmutaApiKey\)/);
      const checking = statusModel(bob, NOW, { permission: { kind: 'checking' }, project: { kind: 'checking' } });
      assert.match(checking.identity.tooltip, /Immuta project: checking…/);
    });

    it('puts a missing IMPERSONATE_USER first, even over a project', () => {
      const model = statusModel(bob, NOW, { permission: { kind: 'missing', user: 'analyst@example.com' }, project: { kind: 'project', id: 1, name: 'Fraud Analytics', checkedAt: NOW } });
      assert.equal(model.identity.text, '$(warning) as bob@example.com · read back · no IMPERSONATE_USER');
      assert.equal(model.identity.warning, true);
      assert.match(model.identity.tooltip, /Your Immuta user analyst@example\\\.com does not hold IMPERSONATE_USER/);
      assert.match(model.identity.tooltip, /Immuta project: Fraud Analytics/);
    });

    it('warns about your own project too, and never lets a project name draw an icon', () => {
      const model = statusModel(snapshot({ kind: 'yourself' }), NOW, { permission: held, project: { kind: 'project', id: 9, name: '$(alert) Ops', checkedAt: NOW } });
      assert.equal(model.identity.text, '$(warning) yourself · project $\u200b(alert) Ops');
      assert.equal(model.identity.warning, true);
      assert.match(model.identity.tooltip, /you are acting under this project/);
      const plainYou = statusModel(snapshot({ kind: 'yourself' }), NOW, { permission: { kind: 'missing', user: 'analyst@example.com' }, project: { kind: 'none', checkedAt: NOW } });
      assert.equal(plainYou.identity.text, '$(account) yourself');
      assert.match(plainYou.identity.tooltip, /does not hold IMPERSONATE_USER/);
    });
  });

  describe('in Restricted Mode (an untrusted workspace)', () => {
    const restricted = { restricted: true };

    it('says on the connection item that workspace connections are ignored, and offers Manage Workspace Trust', () => {
      const model = statusModel(undefined, NOW, undefined, restricted);
      assert.equal(model.connection.text, '$(workspace-untrusted) Select connection · Restricted Mode');
      assert.equal(model.connection.command, 'immutaWorksheets.selectConnection');
      assert.match(model.connection.tooltip, /\*\*Restricted Mode:\*\* this workspace is not trusted, so the connection profiles and the Immuta URL in its settings are ignored; only those in your user settings are used/);
      assert.match(model.connection.tooltip, /\[Manage Workspace Trust…\]\(command:workbench\.trust\.manage\)/);
      assert.match(model.connection.tooltip, /\[Select connection…\]\(command:immutaWorksheets\.selectConnection\)/);
    });

    it('keeps a user-settings connection as it is, with the note in its tooltip', () => {
      const model = statusModel(snapshot({ kind: 'yourself' }), NOW, undefined, restricted);
      assert.equal(model.connection.text, '$(database) prod · Redshift');
      assert.match(model.connection.tooltip, /Login: gov on cluster\\\.example:5439/);
      assert.match(model.connection.tooltip, /Restricted Mode:.*command:workbench\.trust\.manage/);
    });

    it('says why Immuta is not asked: a workspace Immuta URL is ignored', () => {
      const model = statusModel(snapshot({ kind: 'impersonating', user: 'bob', since: NOW, assurance: 'read-back' }), NOW, undefined, restricted);
      assert.match(model.identity.tooltip, /No Immuta URL is set in your user settings, and a workspace\u2019s own is ignored in Restricted Mode/);
      assert.match(model.identity.tooltip, /IMPERSONATE_USER: not checked \(no Immuta URL in your user settings; a workspace\u2019s is ignored in Restricted Mode\)/);
    });

    it('says nothing of it in a trusted workspace (the default)', () => {
      for (const model of [statusModel(undefined, NOW), statusModel(snapshot({ kind: 'yourself' }), NOW, undefined, { restricted: false })]) {
        assert.doesNotMatch(model.connection.tooltip, /Restricted Mode|workbench\.trust/);
        assert.doesNotMatch(model.connection.text, /Restricted/);
      }
    });
  });

  it('warns when the identity is unknown, with the reason', () => {
    const model = statusModel(snapshot({ kind: 'unknown', reason: 're-applying bob failed: connection refused', intendedUser: 'bob' }), NOW);
    assert.equal(model.identity.text, '$(warning) identity unknown');
    assert.equal(model.identity.warning, true);
    assert.match(model.identity.tooltip, /Nothing runs in this worksheet until you choose/);
    assert.match(model.identity.tooltip, /connection refused/);
  });

  it('shows progress while applying and clearing', () => {
    assert.equal(statusModel(snapshot({ kind: 'applying', user: 'bob', reason: 'reconnect' }), NOW).identity.text, '$(loading~spin) as bob…');
    assert.match(statusModel(snapshot({ kind: 'applying', user: 'bob', reason: 'reconnect' }), NOW).identity.tooltip, /on a new connection/);
    assert.equal(statusModel(snapshot({ kind: 'clearing', user: 'bob' }), NOW).identity.text, '$(loading~spin) yourself…');
  });

  it('never lets a user name become an icon or markdown', () => {
    const model = statusModel(snapshot({ kind: 'impersonating', user: '$(alert) [x](command:evil)', since: NOW, assurance: 'applied' }), NOW);
    assert.ok(!model.identity.text.includes('$(alert)'));
    assert.ok(!model.identity.tooltip.includes('[x](command:evil)'));
  });
});

describe('status bar model: how sure, per platform and level', () => {
  const probe = { statement: 'SELECT user_name FROM governance.immuta_whoami', expect: '{user}' };
  const platforms: readonly [string, ConnectionProfile, 'applied' | 'read-back', boolean][] = [
    // name, profile, level reached without a probe, whether Immuta documents its set statement
    ['Redshift', profile, 'applied', true],
    ['Synapse', { name: 's', platform: 'synapse', server: 'x', port: 1433, database: 'd', user: 'u', auth: 'sql', encrypt: true, trustServerCertificate: false, userMap: {}, connectTimeoutMs: 1 }, 'read-back', true],
    ['Trino', { name: 't', platform: 'trino', server: 'https://x', user: 'u', auth: 'none', impersonationMode: 'session-property', impersonationProperty: 'immuta.immuta_user', tls: { verify: true }, source: 's', requestTimeoutMs: 1 }, 'read-back', true],
    ['Snowflake', { name: 'f', platform: 'snowflake', account: 'a', user: 'u', auth: 'password', impersonationRole: 'IMMUTA_IMPERSONATION', impersonationVariable: 'IMMUTA_IMP_USER', keepAlive: false, connectTimeoutMs: 1 }, 'applied', false],
    ['Databricks', { name: 'd', platform: 'databricks', host: 'h', port: 443, httpPath: '/p', auth: 'token', unityCatalog: false, tls: { verify: true }, connectTimeoutMs: 1 }, 'applied', false],
  ];
  const levels = ['applied', 'read-back', 'confirmed'] as const;
  const words = { applied: 'applied', 'read-back': 'read back', confirmed: 'confirmed' } as const;

  for (const [name, platformProfile, reached, documented] of platforms) {
    for (const withProbe of [false, true]) {
      for (const level of levels) {
        it(`${name}${withProbe ? ' with a probe' : ''}, ${level}: names the level, says why, warns only below what it can reach`, () => {
          const bound = withProbe ? { ...platformProfile, effectProbe: probe } : platformProfile;
          const model = statusModel(snapshot({ kind: 'impersonating', user: 'bob', since: NOW, assurance: level }, { profile: bound }), NOW);
          assert.ok(model.identity.text.endsWith(`as bob · ${words[level]}`), model.identity.text);
          assert.match(model.identity.tooltip, new RegExp(`Assurance: \\*\\*${words[level]}\\*\\*`));
          // "verified" only ever as the confirmed icon; never as a word.
          assert.equal(/verified/i.test(model.identity.text), level === 'confirmed', model.identity.text);
          assert.doesNotMatch(model.identity.tooltip.replace(/\$\(verified[-a-z]*\)/g, ''), /verified/i);
          const ceiling = withProbe ? 'confirmed' : reached;
          const below = levels.indexOf(level) < levels.indexOf(ceiling);
          assert.equal(model.identity.warning, below || (!documented && level !== 'confirmed'), `warning for ${level} (ceiling ${ceiling})`);
          if (level === 'applied') assert.match(model.identity.tooltip, /Applied, not confirmed: /);
          assert.equal(model.identity.tooltip.includes('command:immutaWorksheets.setEffectProbe'), !withProbe, 'a probe is offered where there is none');
        });
      }
    }
  }

  it('a probe that disagreed: "not confirmed", both answers, nothing runs, and a way to edit the probe', () => {
    const model = statusModel(
      snapshot({ kind: 'unknown', reason: 'the effect probe answered "governor@example.com" where "bob" was expected', intendedUser: 'bob', cause: 'probe' }),
      NOW,
    );
    assert.equal(model.identity.text, '$(error) bob not confirmed');
    assert.equal(model.identity.warning, true);
    assert.equal(model.identity.error, true, 'on the error background');
    assert.match(model.identity.tooltip, /nothing runs in this worksheet/);
    assert.match(model.identity.tooltip, /answered "governor@example\\\.com" where "bob" was expected/);
    assert.match(model.identity.tooltip, /\[Edit the effect probe…\]\(command:immutaWorksheets\.setEffectProbe\)/);
  });
});
