/** Fakes for the metadata service's unit tests: scripted worksheets, timers and a small platform. */
import { PlatformError } from '../../src/platforms/errors';
import type { ConnectionProfile, Row } from '../../src/platforms/types';
import type { MetadataWorksheet, MetadataSessions, IdleTimers } from '../../src/metadata/metadata-service';
import type { MetadataQueries, MetaNode, MetaQuery } from '../../src/metadata/types';
import type { WorksheetError } from '../../src/worksheets/errors';
import type { RunObserver, RunStamp, StatementInput, StatementOutcome } from '../../src/worksheets/run-types';

const STAMP = { platform: 'redshift' } as unknown as RunStamp;

/** What a statement answers: rows, a server error, or rows held until the test releases them. */
export type Answer = { rows: Row[]; columns?: string[] } | { error: string } | { refused: WorksheetError } | { gate: Promise<void>; rows: Row[] };

export interface FakeWorld {
  /** Everything the fake sessions saw, in order: "open 1", "impersonate 1 bob", "run 1 <sql>", "cancel 1", "close 1". */
  readonly log: string[];
  readonly sessions: MetadataSessions<FakeWorksheet>;
  answers: Map<string, Answer>;
  /** Users whose impersonation the fake refuses, with the server's message. */
  refused: Map<string, string>;
  open(): number;
}

export interface FakeWorksheet extends MetadataWorksheet {
  readonly serial: number;
}

export function fakeWorld(): FakeWorld {
  const log: string[] = [];
  let serial = 0;
  const openIds = new Set<number>();
  const world: FakeWorld = {
    log,
    answers: new Map(),
    refused: new Map(),
    open: () => openIds.size,
    sessions: {
      open: (_profile: ConnectionProfile) => {
        const id = ++serial;
        openIds.add(id);
        log.push(`open ${id}`);
        return fakeWorksheet(id, world);
      },
      close: async (worksheet) => {
        openIds.delete(worksheet.serial);
        log.push(`close ${worksheet.serial}`);
      },
    },
  };
  return world;
}

function fakeWorksheet(serial: number, world: FakeWorld): FakeWorksheet {
  return {
    id: `ws-${serial}`,
    serial,
    impersonate: async (user: string) => {
      world.log.push(`impersonate ${serial} ${user}`);
      const refusal = world.refused.get(user);
      if (refusal !== undefined) throw new PlatformError('server', refusal, { serverMessage: refusal, code: '42704' });
    },
    run: (statements: readonly StatementInput[], observer: RunObserver = {}) => {
      const sql = statements[0].text;
      world.log.push(`run ${serial} ${sql}`);
      let cancelled = false;
      const outcomes = (async (): Promise<StatementOutcome[]> => {
        await Promise.resolve();
        const answer = world.answers.get(sql) ?? { error: `relation for "${sql}" does not exist` };
        if ('refused' in answer) return [{ status: 'failed', error: answer.refused }];
        if ('error' in answer) {
          return [{ status: 'failed', stamp: STAMP, error: new PlatformError('server', answer.error, { serverMessage: answer.error, code: '42501' }) }];
        }
        if ('gate' in answer) await answer.gate;
        if (cancelled) return [{ status: 'cancelled', stamp: STAMP }];
        observer.columns?.(0, (('columns' in answer ? answer.columns : undefined) ?? ['name']).map((name) => ({ name, type: 'text' })) as never);
        for (let at = 0; at < answer.rows.length; at += 2) {
          if (cancelled) return [{ status: 'cancelled', stamp: STAMP }];
          await observer.rows?.(0, answer.rows.slice(at, at + 2));
        }
        // A second result set is never read as the level.
        observer.columns?.(0, [{ name: 'other', type: 'text' }] as never);
        await observer.rows?.(0, [['second result set']]);
        return [cancelled ? { status: 'cancelled', stamp: STAMP } : ({ status: 'succeeded', stamp: STAMP, summary: {} } as unknown as StatementOutcome)];
      })();
      return {
        outcomes,
        cancel: () => {
          cancelled = true;
          world.log.push(`cancel ${serial}`);
        },
      };
    },
  };
}

/** Timers the test fires by hand. */
export function fakeTimers(): IdleTimers & { pending(): number[]; fireAll(): void } {
  let next = 0;
  const armed = new Map<number, { callback: () => void; ms: number }>();
  return {
    set: (callback, ms) => {
      const id = ++next;
      armed.set(id, { callback, ms });
      return id;
    },
    clear: (handle) => void armed.delete(handle as number),
    pending: () => [...armed.values()].map((timer) => timer.ms),
    fireAll: () => {
      const due = [...armed.values()];
      armed.clear();
      for (const timer of due) timer.callback();
    },
  };
}

/** A one-database platform (schemas, tables, columns) whose statements name their level plainly. */
export const FAKE_QUERIES: MetadataQueries = {
  containers: ['schema'],
  nouns: {},
  children(parent: MetaNode | undefined): MetaQuery {
    const kind = parent === undefined ? 'schema' : parent.kind === 'schema' ? 'table' : 'column';
    const sql = parent === undefined ? 'schemas' : parent.kind === 'schema' ? `tables of ${parent.name}` : `columns of ${parent.path.join('.')}`;
    return {
      sql,
      read: (_columns, rows) =>
        rows.map((row) => ({
          kind: kind === 'table' && String(row[1] ?? '') === 'VIEW' ? 'view' : kind,
          name: String(row[0]),
          path: [...(parent?.path ?? []), String(row[0])],
          ...(kind === 'column' && row[1] !== null && row[1] !== undefined ? { dataType: String(row[1]) } : {}),
        })),
    };
  },
  qualifiedName: (node) => node.path.map((part) => FAKE_QUERIES.identifier(part)).join('.'),
  identifier: (name) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`),
  selectTop: (node, rows) => `SELECT * FROM ${FAKE_QUERIES.qualifiedName(node)} LIMIT ${rows}`,
};

export const schema = (name: string): MetaNode => ({ kind: 'schema', name, path: [name] });
export const table = (schemaName: string, name: string): MetaNode => ({ kind: 'table', name, path: [schemaName, name] });
