import { platformInfo } from './catalog';
import { PlatformError } from './errors';
import type { PlatformDriver, PlatformId } from './types';

/** Where the module of a platform lives: in the packaged extension, `dist/platforms/<id>.js`. */
export type PlatformModuleResolver = (platform: PlatformId) => string;

/**
 * Loads a platform's module (and so its database driver) the first time a worksheet of that
 * platform needs it, never at activation.
 */
export class PlatformLoader {
  private readonly cache = new Map<PlatformId, Promise<PlatformDriver>>();

  constructor(
    private readonly resolve: PlatformModuleResolver,
    private readonly requireModule: (path: string) => unknown = require,
  ) {}

  load(platform: PlatformId): Promise<PlatformDriver> {
    let loading = this.cache.get(platform);
    if (!loading) {
      loading = this.loadNow(platform);
      this.cache.set(platform, loading);
      loading.catch(() => this.cache.delete(platform));
    }
    return loading;
  }

  /** Platforms whose module has been loaded (for diagnostics and tests). */
  loaded(): PlatformId[] {
    return [...this.cache.keys()];
  }

  private async loadNow(platform: PlatformId): Promise<PlatformDriver> {
    const info = platformInfo(platform);
    if (!info.available) {
      throw new PlatformError('configuration', `${info.displayName} worksheets are not available in this version of Immuta Worksheets yet.`);
    }
    const path = this.resolve(platform);
    let exported: unknown;
    try {
      exported = this.requireModule(path);
    } catch (error) {
      throw new PlatformError('configuration', `Could not load the ${info.displayName} support (${path}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const driver = (exported as { driver?: PlatformDriver } | undefined)?.driver;
    if (!driver || driver.platform !== platform) {
      throw new PlatformError('configuration', `The module ${path} does not provide the ${info.displayName} driver.`);
    }
    return driver;
  }
}
