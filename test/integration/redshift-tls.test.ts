import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { isPlatformError } from '../../src/platforms/errors';
import { PlatformLoader } from '../../src/platforms/loader';
import type { RedshiftProfile, TlsMode } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres, type LabPostgres } from '../lab/postgres';
import { DIST_PLATFORMS, firstColumn, runOk, runOne, seenRunning, seenStopped } from './worksheet-harness';

describe('Redshift over TLS (lab PostgreSQL with ssl=on)', function () {
  this.timeout(60000);
  let tlsLab: LabPostgres;
  let registry: WorksheetRegistry;

  before(async () => {
    tlsLab = await startLabPostgres({ tls: true });
  });

  after(async () => {
    await tlsLab?.stop();
  });

  beforeEach(() => {
    const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
    registry = new WorksheetRegistry({
      loadDriver: (platform) => loader.load(platform),
      getSecret: async () => ({ password: tlsLab.logins.governor.password }),
      logger: silentLogger,
    });
  });

  afterEach(async () => {
    await registry.dispose();
  });

  function profile(mode: TlsMode, ca?: string, host = '127.0.0.1'): RedshiftProfile {
    return {
      name: `tls-${mode}`,
      platform: 'redshift',
      host,
      port: tlsLab.port,
      database: tlsLab.database,
      user: tlsLab.logins.governor.user,
      tls: { mode, ...(ca ? { ca } : {}) },
      connectTimeoutMs: 5000,
      applicationName: 'tls-test',
    };
  }

  async function sessionUsesTls(sessionId: string | undefined): Promise<boolean> {
    const rows = await tlsLab.adminQuery<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = $1', [Number(sessionId)]);
    return rows[0]?.ssl === true;
  }

  it('verify-full with the cluster\u2019s CA: encrypted, and impersonation works as usual', async () => {
    const worksheet = registry.create(profile('verify-full', tlsLab.tls?.caPem));
    await worksheet.impersonate('bob@example.com');
    const [result] = await runOk(worksheet, 'SELECT DISTINCT region FROM sales.customers');
    assert.deepEqual(firstColumn(result), ['EU']);
    assert.equal(await sessionUsesTls(worksheet.snapshot().sessionId), true);
  });

  it('verify-full without the CA refuses the self-signed chain with a TLS hint', async () => {
    const worksheet = registry.create(profile('verify-full'));
    const outcome = await runOne(worksheet, 'SELECT 1');
    assert.equal(outcome.status, 'failed');
    const error = outcome.status === 'failed' ? outcome.error : undefined;
    assert.ok(isPlatformError(error));
    assert.equal(error.kind, 'connection');
    assert.match(error.message, /certificate/i);
    assert.match(error.hint ?? '', /TLS mode and the CA certificate/);
  });

  it('verify-full checks the host name against the certificate', async () => {
    // The lab's certificate names 127.0.0.1 only; "localhost" reaches the same server.
    const worksheet = registry.create(profile('verify-full', tlsLab.tls?.caPem, 'localhost'));
    const outcome = await runOne(worksheet, 'SELECT 1');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.error.message : '', /localhost.*(is not in the cert's altnames|does not match certificate's altnames)/i);
  });

  it('verify-ca accepts the chain whatever the host name; require encrypts without checking', async () => {
    for (const worksheet of [registry.create(profile('verify-ca', tlsLab.tls?.caPem, 'localhost')), registry.create(profile('require'))]) {
      await runOk(worksheet, 'SELECT 1');
      assert.equal(await sessionUsesTls(worksheet.snapshot().sessionId), true);
    }
  });

  it('cancels over TLS: the CancelRequest negotiates TLS too', async () => {
    const worksheet = registry.create(profile('verify-full', tlsLab.tls?.caPem));
    await runOk(worksheet, 'SELECT 1');
    const handle = worksheet.run([{ text: 'SELECT pg_sleep(30)' }]);
    await seenRunning('pg_sleep(30)', tlsLab);
    handle.cancel();
    const [outcome] = await handle.outcomes;
    assert.equal(outcome.status, 'cancelled');
    await seenStopped('pg_sleep(30)', tlsLab);
    await runOk(worksheet, 'SELECT 1');
  });
});
