import type { LabPostgres } from '../lab/postgres';
import type { RedshiftProfile } from '../../src/platforms/types';

/** The benches' Redshift connection to the lab PostgreSQL, as governor (one place for every suite). */
export function benchProfile(lab: LabPostgres, overrides: Partial<RedshiftProfile> = {}): RedshiftProfile {
  return {
    name: 'bench',
    platform: 'redshift',
    host: lab.host,
    port: lab.port,
    database: lab.database,
    user: lab.logins.governor.user,
    tls: { mode: 'disable' },
    connectTimeoutMs: 5000,
    applicationName: 'bench',
    ...overrides,
  };
}
