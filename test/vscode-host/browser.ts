/**
 * Debian's Chromium driven by playwright-core (never `playwright install`, which downloads a
 * browser), with a fresh profile, no background networking, and every request that is not to
 * loopback aborted: once by Playwright's routing, and again in Chromium itself (host names other
 * than localhost do not resolve, and non-loopback traffic goes to a dead local proxy).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Log } from './child';
import { aptCommand, ensureDebianPackages, HarnessSetupError } from '../support/prerequisites';

export const CHROMIUM = process.env.VSCODE_HOST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Belt and braces: nothing but loopback resolves, and whatever is not loopback would go to a
  // proxy on a loopback port where nothing listens (loopback itself always bypasses a proxy).
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
];

export interface Browser {
  readonly context: BrowserContext;
  /** Requests the routing refused (anything not to 127.0.0.1/localhost). */
  readonly blocked: readonly string[];
  close(): Promise<void>;
}

/** True for URLs the browser may load: loopback over http(s)/ws(s), and in-page schemes. */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:', 'vscode-file:', 'vscode-remote-resource:'].includes(parsed.protocol)) {
    return true;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    return false;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Installs Debian's chromium when missing (as root); otherwise says what to install. */
export async function ensureChromium(log: Log): Promise<void> {
  if (process.env.VSCODE_HOST_CHROMIUM === undefined) {
    await ensureDebianPackages(['chromium'], log);
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new HarnessSetupError(`No Chromium at ${CHROMIUM}. Install Debian's chromium:\n  ${aptCommand(['chromium'])}`);
  }
}

/**
 * Launches Chromium with a persistent context in `profileDir` (a fresh folder) and the given
 * environment (HOME, XDG_*, TMPDIR pointing into the run's temp dir).
 */
export async function launchBrowser(profileDir: string, env: NodeJS.ProcessEnv, log: Log, extraArgs: readonly string[] = []): Promise<Browser> {
  // Loaded here so that a missing devDependency only fails runs that need a browser.
  const { chromium } = await import('playwright-core');
  fs.mkdirSync(profileDir, { recursive: true });
  const blocked: string[] = [];
  const context = await chromium.launchPersistentContext(path.resolve(profileDir), {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    env: env as Record<string, string>,
    viewport: { width: 1400, height: 900 },
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLoopbackUrl(url)) {
      await route.continue();
    } else {
      blocked.push(url);
      log(`browser: blocked a request to ${url}`);
      await route.abort('blockedbyclient');
    }
  });
  return {
    context,
    blocked,
    close: async () => {
      await context.close().catch(() => undefined);
    },
  };
}
