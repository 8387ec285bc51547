import { parse } from 'ini';
import type { ImportProblem } from './types';

export interface IniSection {
  readonly name: string;
  /** 1-based line of its `[name]` header. */
  readonly line: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * An INI file (`.databrickscfg`, `pg_service.conf`) read by the `ini` package. That parser
 * accepts anything, so the readers these files are written for (Python's configparser, libpq)
 * would refuse what it takes silently; the line checks here report those lines the way those
 * readers do (a line with no `=`, a section named twice) so that the user hears of them, and
 * such a section is not imported half-read.
 *
 * Known difference: `ini` ends a value at an unquoted ` ;` or ` #` (an inline comment), where
 * configparser keeps it; tokens and secrets written by the platforms' own tools contain neither.
 */
export function readIni(file: string, content: string, problems: ImportProblem[]): { top: Readonly<Record<string, unknown>>; sections: IniSection[] } {
  // `ini` nests `[a.b]` as section b inside a; these formats have no nesting, so the dots are escaped.
  const flat = content.replace(/^(\s*)\[([^\]\r\n]*)\]/gm, (_whole, indent: string, name: string) => `${indent}[${name.replace(/\./g, '\\.')}]`);
  const parsed = parse(flat) as Record<string, unknown>;
  const headers = new Map<string, number>();
  const refused = new Set<string>();
  let current = '';
  content.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      current = header[1].trim();
      if (headers.has(current)) {
        problems.push({ file, line: index + 1, message: `section [${current}] is already defined on line ${headers.get(current)}; neither is imported` });
        refused.add(current);
      } else {
        headers.set(current, index + 1);
      }
      return;
    }
    if (!line.includes('=')) {
      // The line itself is not quoted: a token pasted on a line of its own would end up in the log.
      problems.push({ file, line: index + 1, message: `syntax error: the line is not key=value${current ? ` (in [${current}], which is not imported)` : ''}` });
      if (current) refused.add(current);
    }
  });
  const top: Record<string, unknown> = {};
  const sections: IniSection[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (headers.has(key) && typeof value === 'object' && value !== null) {
      if (!refused.has(key)) sections.push({ name: key, line: headers.get(key) ?? 0, values: value as Record<string, unknown> });
    } else {
      top[key] = value;
    }
  }
  return { top, sections };
}
