import type { SqlDialectId } from '../../src/sql/dialects';
import { splitStatements } from '../../src/sql/splitter';
import type { BenchFigure, BenchSuite } from './types';
import { median } from './stats';

const MB = 1024 * 1024;

/** A small deterministic pseudo-random generator (mulberry32), so every run splits the same scripts. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', "it's", 'a;b', 'x -- y', '/* no */', 'naïve', 'zeta'];

function postgresChunk(i: number, random: () => number): string {
  const word = WORDS[Math.floor(random() * WORDS.length)].replace(/'/g, "''");
  switch (Math.floor(random() * 6)) {
    case 0:
      return `-- report ${i}: totals; by region\nselect r.id, r.name, sum(o.amount) as total\n  from sales.orders o\n  join sales.regions r on r.id = o.region_id\n where o.note <> '${word}' and o.created_at > now() - interval '7 days'\n group by r.id, r.name\n order by total desc;\n\n`;
    case 1:
      return `insert into audit.events (id, kind, payload) values\n  (${i}, 'login;ok', '{"user": "u${i}", "note": "${word}"}'),\n  (${i + 1}, E'it\\'s; escaped', 'plain ''quoted''; text');\n`;
    case 2:
      return `create or replace function util.f_${i}(a integer) returns integer as $body$\nbegin\n  -- inner; comment\n  if a > ${i} then\n    return a - 1; /* early; return */\n  end if;\n  return a + ${i};\nend;\n$body$ language plpgsql;\n\n`;
    case 3:
      return `/* block comment ${i}; with /* a nested ; comment */ inside */\nupdate "Sales"."Order Lines" set "qty;" = "qty;" + 1 where id = $1 and tag = $$${word}; raw$$;\n`;
    case 4:
      return `select count(*) from public.t_${i} where name like '%${word}%';;\n`;
    default:
      return `with recent as (\n  select * from events where ts > '2024-01-01' -- cut-off; inclusive\n)\nselect kind, count(*) from recent group by kind;\n`;
  }
}

function tsqlChunk(i: number, random: () => number): string {
  const word = WORDS[Math.floor(random() * WORDS.length)].replace(/'/g, "''");
  switch (Math.floor(random() * 5)) {
    case 0:
      return `select o.[Order Id], o.[Name;]]x], c.Region\n  from [dbo].[Orders] o\n  join dbo.Customers c on c.Id = o.CustomerId\n where o.Note = N'${word}' and o.Id > ${i};\n`;
    case 1:
      return `insert into dbo.Audit (Id, Kind, Note)\nvalues (${i}, 'login', 'it''s; ok'), (${i + 1}, 'logout', N'-- not a comment');\nGO\n\n`;
    case 2:
      return `/* procedure ${i}; /* nested; */ */\ncreate procedure dbo.p_${i} @id int as\nbegin\n  set nocount on; -- inner\n  select "quoted;id", [x] from dbo.t where id = @id;\n  exec dbo.log_call N'p_${i}';\nend\nGO 2\n`;
    case 3:
      return `update dbo.T set Go = 1, Note = 'GO\nGO' where Name = N'${word}'\ngo -- end of batch\n`;
    default:
      return `declare @n int = ${i % 100};\nexec dbo.p_${i % 100} @id = @n;\n`;
  }
}

/** A deterministic script of at least `size` UTF-16 code units (ASCII apart from a few letters). */
export function generateScript(dialect: 'postgres' | 'tsql', size: number, seed = 42): string {
  const random = generator(seed);
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const chunk = dialect === 'postgres' ? postgresChunk(i, random) : tsqlChunk(i, random);
    parts.push(chunk);
    length += chunk.length;
  }
  return parts.join('');
}

/** Best (lowest) time in milliseconds over `runs` splits. */
export function bestTime(script: string, dialect: SqlDialectId, runs: number): { ms: number; statements: number } {
  let best = Infinity;
  let statements = 0;
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    const result = splitStatements(script, dialect);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    statements = result.statements.length;
    if (ms < best) best = ms;
  }
  if (statements === 0) throw new Error('the bench script split into no statements');
  return { ms: best, statements };
}

/** Times for the 1 MB and 10 MB postgres scripts. */
interface ScalingTimes {
  readonly small: number;
  readonly large: number;
}

/**
 * Scaling, measured so that both sizes do the same total work: each sample splits the 1 MB
 * script ten times (reported per split) and then the 10 MB script once, samples interleaved,
 * medians compared. Single millisecond-long runs are too noisy on a shared VM, and a best-of
 * would let the small runs dodge the garbage collection that the large run must pay.
 */
export function postgresScaling(): ScalingTimes & { readonly statements: number; readonly largeLength: number; readonly bestLarge: number } {
  const small = generateScript('postgres', MB);
  const large = generateScript('postgres', 10 * MB);
  for (let i = 0; i < 20; i++) splitStatements(small, 'postgres');
  splitStatements(large, 'postgres');
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  let statements = 0;
  for (let sample = 0; sample < 11; sample++) {
    let started = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) splitStatements(small, 'postgres');
    smallTimes.push(Number(process.hrtime.bigint() - started) / 1e6 / 10);
    started = process.hrtime.bigint();
    statements = splitStatements(large, 'postgres').statements.length;
    largeTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { small: median(smallTimes), large: median(largeTimes), bestLarge: Math.min(...largeTimes), statements, largeLength: large.length };
}


function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const splitterBench: BenchSuite = {
  title: 'SQL statement splitter',
  async run(): Promise<BenchFigure[]> {
    const postgres = postgresScaling();
    const throughput = postgres.largeLength / MB / (postgres.large / 1000);
    const bestThroughput = postgres.largeLength / MB / (postgres.bestLarge / 1000);
    const ratio = postgres.large / postgres.small;

    const tsql = generateScript('tsql', 10 * MB);
    splitStatements(tsql, 'tsql');
    const tsqlTime = bestTime(tsql, 'tsql', 7);
    const tsqlThroughput = tsql.length / MB / (tsqlTime.ms / 1000);

    const figures: BenchFigure[] = [
      { name: 'splitter throughput, postgres, 10 MB script, best run', value: round(bestThroughput, 1), unit: 'MB/s' },
      {
        name: `splitter throughput, postgres, 10 MB script (${postgres.statements} statements), median`,
        value: round(throughput, 1),
        unit: 'MB/s',
        target: '>= 20 MB/s',
        met: throughput >= 20,
      },
      { name: 'splitter time, postgres, 1 MB script (median of 11 samples of 10 splits)', value: round(postgres.small), unit: 'ms' },
      { name: 'splitter time, postgres, 10 MB script (median of 11)', value: round(postgres.large), unit: 'ms' },
      {
        name: 'splitter scaling, time(10 MB) / time(1 MB)',
        value: round(ratio),
        unit: 'x',
        target: '<= 11',
        met: ratio <= 11,
      },
      {
        name: `splitter throughput, tsql with GO lines, 10 MB script (${tsqlTime.statements} statements)`,
        value: round(tsqlThroughput, 1),
        unit: 'MB/s',
        target: '>= 20 MB/s',
        met: tsqlThroughput >= 20,
      },
    ];

    return figures;
  },
};
