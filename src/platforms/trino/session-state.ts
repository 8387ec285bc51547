/**
 * The Trino session as the client holds it. Trino keeps no session on the server: every
 * request carries catalog, schema and session properties in headers, and a statement that
 * changes them answers with X-Trino-Set-* / X-Trino-Clear-Session headers.
 *
 * trino-client 0.2.9 mishandles those answers (a Set-Session header replaces the whole session,
 * any Clear-Session wipes every property), so the adapter keeps this map itself, applies each
 * answer property by property, and sends the whole map with every statement.
 */

/** What one response asked the client to change. */
export interface SessionChanges {
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly cleared: readonly string[];
  readonly catalog?: string;
  readonly schema?: string;
}

export const NO_CHANGES: SessionChanges = { set: [], cleared: [] };

/** Reads a header value that may be absent, a string, or several joined by the HTTP stack. */
type HeaderLookup = (name: string) => string | undefined;

/**
 * Trino sends one X-Trino-Set-Session header per property (`name=urlencoded value`) and one
 * X-Trino-Clear-Session per name. Node joins repeated headers with ", "; values are
 * URL-encoded, so a comma inside a value arrives as %2C and splitting on commas is safe.
 */
export function readSessionChanges(header: HeaderLookup): SessionChanges {
  const set: [string, string][] = [];
  for (const item of splitList(header('x-trino-set-session'))) {
    const equals = item.indexOf('=');
    if (equals <= 0) continue;
    set.push([item.slice(0, equals).trim(), decodeValue(item.slice(equals + 1).trim())]);
  }
  const cleared = splitList(header('x-trino-clear-session'));
  const catalog = header('x-trino-set-catalog');
  const schema = header('x-trino-set-schema');
  return {
    set,
    cleared,
    ...(catalog !== undefined && catalog !== '' ? { catalog } : {}),
    ...(schema !== undefined && schema !== '' ? { schema } : {}),
  };
}

export function hasChanges(changes: SessionChanges): boolean {
  return changes.set.length > 0 || changes.cleared.length > 0 || changes.catalog !== undefined || changes.schema !== undefined;
}

function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Java's URLDecoder, which Trino uses: `+` is a space. */
export function decodeValue(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return encoded;
  }
}

/** What Trino's URLDecoder reads back exactly (a space as %20 is as good as `+`). */
export function encodeValue(value: string): string {
  return encodeURIComponent(value);
}

export class TrinoSessionState {
  catalog: string | undefined;
  schema: string | undefined;
  private readonly properties = new Map<string, string>();

  constructor(initial: { catalog?: string; schema?: string }) {
    this.catalog = initial.catalog;
    this.schema = initial.schema;
  }

  get(name: string): string | undefined {
    return this.properties.get(name);
  }

  set(name: string, value: string): void {
    this.properties.set(name, value);
  }

  delete(name: string): void {
    this.properties.delete(name);
  }

  entries(): Array<[string, string]> {
    return [...this.properties.entries()];
  }

  /**
   * The X-Trino-Session properties for trino-client, values URL-encoded: the client joins
   * `name=value` pairs with commas and encodes nothing itself.
   */
  encodedProperties(): Record<string, string> {
    const encoded: Record<string, string> = {};
    for (const [name, value] of this.properties) {
      encoded[name] = encodeValue(value);
    }
    return encoded;
  }

  /**
   * Applies a response on top of the map, per property. Properties in `protectedNames` only the
   * caller may change (impersonation): changes to them are skipped and returned.
   */
  apply(changes: SessionChanges, protectedNames: ReadonlySet<string> = new Set()): string[] {
    const skipped: string[] = [];
    for (const name of changes.cleared) {
      if (protectedNames.has(name)) {
        skipped.push(name);
      } else {
        this.properties.delete(name);
      }
    }
    for (const [name, value] of changes.set) {
      if (protectedNames.has(name)) {
        skipped.push(name);
      } else {
        this.properties.set(name, value);
      }
    }
    if (changes.catalog !== undefined) this.catalog = changes.catalog;
    if (changes.schema !== undefined) this.schema = changes.schema;
    return skipped;
  }
}
