import { PLATFORMS } from './catalog';
import type { ConnectionProfile, ImpersonationTemplates, RedshiftProfile, TlsMode } from './types';

/**
 * Turns a profile as written in settings (untrusted JSON) into a typed profile with defaults,
 * or into problems that each name the setting at fault.
 */
export type ProfileParse = { readonly ok: true; readonly profile: ConnectionProfile } | { readonly ok: false; readonly problems: readonly string[] };

const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];
const PLATFORM_IDS = Object.keys(PLATFORMS);

class Reader {
  readonly problems: string[] = [];
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly where: string,
  ) {}

  string(key: string, fallback?: string): string {
    const value = this.raw[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      this.problems.push(`${this.where}.${key} must be a non-empty string${value === undefined ? ' (it is missing)' : ''}.`);
      return '';
    }
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push(`${this.where}.${key} must be a string.`);
      return undefined;
    }
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${this.where}.${key} must be a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return value;
  }

  object(key: string): Record<string, unknown> {
    const value = this.raw[key];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push(`${this.where}.${key} must be an object.`);
      return {};
    }
    return value as Record<string, unknown>;
  }
}

function templates(reader: Reader, raw: Record<string, unknown>, where: string): ImpersonationTemplates | undefined {
  if (Object.keys(raw).length === 0) return undefined;
  const inner = new Reader(raw, `${where}.impersonation`);
  const set = inner.optionalString('set');
  const clear = inner.optionalString('clear');
  const readBack = inner.optionalString('readBack');
  if (set !== undefined && !set.includes('{user}')) {
    inner.problems.push(`${where}.impersonation.set must contain the placeholder {user}, where the user name is bound.`);
  }
  reader.problems.push(...inner.problems);
  return { ...(set !== undefined ? { set } : {}), ...(clear !== undefined ? { clear } : {}), ...(readBack !== undefined ? { readBack } : {}) };
}

/**
 * @param raw one entry of `immutaWorksheets.connections`
 * @param where how to name it in messages, e.g. `immutaWorksheets.connections[2]`
 * @param readCa reads a CA file named in the profile (the caller decides how files are read)
 */
export function parseProfile(raw: unknown, where: string, readCa: (path: string) => string): ProfileParse {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [`${where} must be an object with at least "name" and "platform".`] };
  }
  const record = raw as Record<string, unknown>;
  const reader = new Reader(record, where);
  const name = reader.string('name');
  const platform = record.platform;
  if (typeof platform !== 'string' || !PLATFORM_IDS.includes(platform)) {
    return { ok: false, problems: [...reader.problems, `${where}.platform must be one of ${PLATFORM_IDS.join(', ')}.`] };
  }
  if (platform !== 'redshift' || !PLATFORMS[platform].available) {
    return { ok: false, problems: [`${where}.platform "${platform}" is not available in this version yet.`] };
  }
  const tlsRaw = reader.object('tls');
  const tlsReader = new Reader(tlsRaw, `${where}.tls`);
  const modeValue = tlsRaw.mode ?? 'verify-full';
  let mode: TlsMode = 'verify-full';
  if (typeof modeValue === 'string' && (TLS_MODES as readonly string[]).includes(modeValue)) {
    mode = modeValue as TlsMode;
  } else {
    tlsReader.problems.push(`${where}.tls.mode must be one of ${TLS_MODES.join(', ')}.`);
  }
  const caFile = tlsReader.optionalString('caFile');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readCa(caFile);
    } catch (error) {
      tlsReader.problems.push(`${where}.tls.caFile could not be read (${caFile}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  reader.problems.push(...tlsReader.problems);
  const impersonation = templates(reader, reader.object('impersonation'), where);
  const profile: RedshiftProfile = {
    name,
    platform: 'redshift',
    host: reader.string('host'),
    port: reader.integer('port', 5439, 1, 65535),
    database: reader.string('database', 'dev'),
    user: reader.string('user'),
    tls: { mode, ...(ca !== undefined ? { ca } : {}) },
    connectTimeoutMs: reader.integer('connectTimeoutMs', 15000, 100, 600000),
    applicationName: reader.string('applicationName', 'Immuta Worksheets'),
    ...(impersonation ? { impersonation } : {}),
  };
  return reader.problems.length > 0 ? { ok: false, problems: reader.problems } : { ok: true, profile };
}
