/**
 * What the worksheet adds on the wire per user statement on a healthy impersonating session,
 * counted by a protocol-parsing proxy in front of the lab's PostgreSQL, and what it adds in time
 * compared with a bare pg.Client on the same query.
 */
import * as path from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { RedshiftProfile } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startLabPostgres } from '../lab/postgres';
import { startWireCounter } from '../lab/wire-counter';
import type { BenchFigure, BenchSuite } from './types';
import { median } from './stats';

const STATEMENTS = 300;
const QUERY = 'SELECT count(*) FROM sales.customers';


export const overheadBench: BenchSuite = {
  title: 'Redshift worksheet overhead',
  async run(): Promise<BenchFigure[]> {
    const labStart = performance.now();
    const lab = await startLabPostgres();
    const labMs = performance.now() - labStart;
    const counter = await startWireCounter(lab.host, lab.port);
    const loader = new PlatformLoader((platform) => path.resolve(__dirname, '../../../dist/platforms', `${platform}.js`));
    const registry = new WorksheetRegistry({
      loadDriver: (platform) => loader.load(platform),
      getSecret: async () => ({ password: lab.logins.governor.password }),
      logger: silentLogger,
    });
    try {
      const profile: RedshiftProfile = {
        name: 'bench',
        platform: 'redshift',
        host: lab.host,
        port: counter.port,
        database: lab.database,
        user: lab.logins.governor.user,
        tls: { mode: 'disable' },
        connectTimeoutMs: 5000,
        applicationName: 'bench',
        // With a probe, the session is confirmed: the probe must cost per apply, never per run.
        effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' },
      };
      const worksheet = registry.create(profile);
      const [opened] = await worksheet.run([{ text: 'SELECT 1' }]).outcomes;
      if (opened.status !== 'succeeded') throw new Error(`bench could not connect: ${opened.status}`);
      counter.reset();
      await worksheet.impersonate('bob@example.com');
      if (worksheet.identity.kind !== 'impersonating' || worksheet.identity.assurance !== 'confirmed') {
        throw new Error(`bench impersonation is not confirmed: ${JSON.stringify(worksheet.identity)}`);
      }
      const applyStatements = counter.counts.simpleQueries + counter.counts.parses;
      counter.reset();
      const worksheetTimes: number[] = [];
      for (let index = 0; index < STATEMENTS; index++) {
        const started = performance.now();
        const [outcome] = await worksheet.run([{ text: QUERY }]).outcomes;
        worksheetTimes.push(performance.now() - started);
        if (outcome.status !== 'succeeded') throw new Error(`bench statement failed: ${outcome.status}`);
      }
      const counts = { ...counter.counts };
      const sent = counts.simpleQueries + counts.parses;
      const roundTrips = counts.simpleQueries + counts.syncs;

      const raw = new pg.Client({ host: lab.host, port: counter.port, database: lab.database, user: lab.logins.governor.user, password: lab.logins.governor.password });
      await raw.connect();
      await raw.query("CALL immuta_procedures.impersonate_user('bob@example.com')");
      const rawTimes: number[] = [];
      for (let index = 0; index < STATEMENTS; index++) {
        const started = performance.now();
        await raw.query({ text: QUERY, rowMode: 'array' });
        rawTimes.push(performance.now() - started);
      }
      await raw.end();

      const addedStatements = (sent - STATEMENTS) / STATEMENTS;
      const addedRoundTrips = (roundTrips - STATEMENTS) / STATEMENTS;
      return [
        { name: 'lab PostgreSQL start (initdb + start + fixture)', value: labMs, unit: 'ms' },
        { name: 'statements sent to impersonate with an effect probe (set + probe)', value: applyStatements, unit: 'statements' },
        { name: `statements sent for ${STATEMENTS} user statements (confirmed session)`, value: sent, unit: 'statements' },
        { name: 'statements added per user statement', value: addedStatements, unit: 'per statement', target: '0', met: addedStatements === 0 },
        { name: 'round trips added per user statement', value: addedRoundTrips, unit: 'per statement', target: '0', met: addedRoundTrips === 0 },
        { name: 'median statement time, worksheet (via proxy)', value: median(worksheetTimes), unit: 'ms' },
        { name: 'median statement time, bare pg.Client (same proxy)', value: median(rawTimes), unit: 'ms' },
      ];
    } finally {
      await registry.dispose();
      await counter.close();
      await lab.stop();
    }
  },
};
