/**
 * `node out/test/support/prepare-tier.js <tier>`: installs what the tier needs from the machine
 * (see prerequisites.ts) and says what it did, before `npm test` runs the tier. Exits 1 with the
 * exact command to run when something cannot be installed here.
 */
import { ensureDebianPackages, HarnessSetupError, missingDebianPackages, TIER_PACKAGES } from './prerequisites';

async function main(): Promise<void> {
  const tier = process.argv[2] ?? '';
  const packages = TIER_PACKAGES[tier];
  if (packages === undefined) {
    throw new HarnessSetupError(`Unknown tier "${tier}"; known: ${Object.keys(TIER_PACKAGES).join(', ')}.`);
  }
  if (packages.length === 0) return;
  const missing = missingDebianPackages(packages);
  if (missing.length === 0) {
    console.log(`prerequisites: ${packages.join(', ')} already installed`);
    return;
  }
  await ensureDebianPackages(missing, (line) => console.log(`prerequisites: ${line}`));
}

main().catch((error: unknown) => {
  const message = error instanceof HarnessSetupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`\nThe ${process.argv[2] ?? ''} tier cannot run on this machine yet.\n${message}`);
  process.exitCode = 1;
});
