/** Mocha root hooks: one real PostgreSQL with the Immuta-like fixture for the whole tier. */
import { startLabPostgres } from '../lab/postgres';
import { lab, setLab } from './shared-lab';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(60000);
    const started = Date.now();
    setLab(await startLabPostgres());
    process.stdout.write(`  lab PostgreSQL on 127.0.0.1:${lab().port} (started in ${Date.now() - started} ms)\n`);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30000);
    try {
      await lab().stop();
    } finally {
      setLab(undefined);
    }
  },
};
