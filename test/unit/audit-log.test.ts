import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_EXPORT_COLUMNS, AuditLog, type AuditLogFileOptions } from '../../src/worksheets/audit-log';
import { csvDocument, csvField, csvRow } from '../../src/worksheets/csv';
import type { AuditEntry } from '../../src/worksheets/worksheet';

function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: Date.UTC(2024, 4, 17, 9, 30, 0),
    worksheetId: 'ws-1',
    profileName: 'Redshift prod',
    platform: 'redshift',
    action: 'apply',
    user: 'bob',
    outcome: 'ok',
    assurance: 'read-back',
    detail: 'read back from where Immuta reads it',
    ...overrides,
  };
}

/** Splits RFC 4180 text into records of fields, honouring quotes (enough for these tests). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += char;
    }
  }
  assert.equal(field, '', 'the document ends with CRLF');
  return records;
}

describe('AuditLog', () => {
  let dir: string;
  let file: string;
  const logs: AuditLog[] = [];

  const open = (options: Partial<AuditLogFileOptions> = {}): AuditLog => {
    const log = AuditLog.open({ file, ...options });
    logs.push(log);
    return log;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'audit-log-test-'));
    file = join(dir, 'audit', 'impersonation.jsonl');
  });

  afterEach(async () => {
    for (const log of logs.splice(0)) {
      await log.flush();
      log.dispose();
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('persists every entry with a stable id and its time, oldest first', async () => {
    const log = open();
    const applied = log.record(auditEntry({ at: 1000 }));
    const refused = log.record(auditEntry({ at: 2000, action: 'refused', outcome: 'failed', detail: 'open transaction' }));
    const lost = log.record(auditEntry({ at: 3000, action: 'connection-lost', user: null, profileName: undefined, platform: undefined, detail: undefined }));
    assert.match(applied.id, /^[0-9a-f-]{36}$/);
    assert.equal(applied.at, 1000);
    assert.equal('detail' in lost, false, 'an absent detail stays absent');
    assert.deepEqual(log.entries(), [applied, refused, lost]);
    await log.flush();

    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 3, corrupt: 0, tornTail: false });
    assert.deepEqual(reloaded.entries(), [applied, refused, lost]);
  });

  it('announces recorded entries and clearing', async () => {
    const log = open();
    let changes = 0;
    log.onDidChange(() => changes++);
    log.record(auditEntry());
    assert.equal(await log.clear(), true);
    assert.equal(changes, 2);
    assert.deepEqual(log.entries(), []);
    await log.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '');
  });

  it('skips lines that do not have the shape of an audit record', async () => {
    const log = open();
    log.record(auditEntry());
    await log.flush();
    await fs.appendFile(file, `${JSON.stringify({ ...auditEntry(), id: 'x', action: 'made-up' })}\n${JSON.stringify({ ...auditEntry(), id: 'y', outcome: 'maybe' })}\n{"id":"z"}\n`);
    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 1, corrupt: 3, tornTail: false });
  });

  describe('toCsv', () => {
    it('writes a header and one CRLF-terminated row per entry, oldest first', () => {
      const log = open();
      const first = log.record(auditEntry({ at: Date.UTC(2024, 0, 2, 3, 4, 5) }));
      log.record(auditEntry({ action: 'clear', user: null, profileName: undefined, platform: undefined, assurance: undefined, detail: undefined }));
      const csv = log.toCsv();
      assert.ok(csv.endsWith('\r\n'));
      const rows = parseCsv(csv);
      assert.deepEqual(rows[0], [...AUDIT_EXPORT_COLUMNS]);
      assert.deepEqual(rows[1], [first.id, '2024-01-02T03:04:05.000Z', String(first.at), 'ws-1', 'Redshift prod', 'redshift', 'apply', 'bob', 'ok', 'read-back', 'read back from where Immuta reads it']);
      assert.deepEqual(rows[2].slice(3), ['ws-1', '', '', 'clear', '', 'ok', '', '']);
      assert.equal(rows.length, 3);
    });

    it('quotes fields with commas, quotes, CR or LF and doubles the quotes', () => {
      const log = open();
      log.record(auditEntry({ detail: 'server said "no", twice\r\nthen stopped', profileName: 'a,b' }));
      const csv = log.toCsv();
      assert.ok(csv.includes('"a,b"'));
      assert.ok(csv.includes('"server said ""no"", twice\r\nthen stopped"'));
      const rows = parseCsv(csv);
      assert.equal(rows[1][4], 'a,b');
      assert.equal(rows[1][10], 'server said "no", twice\r\nthen stopped');
    });

    it('neutralises formula injection in every text field', () => {
      const log = open();
      log.record(auditEntry({ user: '=HYPERLINK("http://127.0.0.1/x","click")', detail: '@SUM(A1)', profileName: '+cmd', worksheetId: '-2+3' }));
      const rows = parseCsv(log.toCsv());
      assert.equal(rows[1][7], `'=HYPERLINK("http://127.0.0.1/x","click")`);
      assert.equal(rows[1][10], "'@SUM(A1)");
      assert.equal(rows[1][4], "'+cmd");
      assert.equal(rows[1][3], "'-2+3");
    });

    it('exports an empty log as the header only', () => {
      assert.equal(open().toCsv(), `${AUDIT_EXPORT_COLUMNS.join(',')}\r\n`);
    });
  });

  describe('toJson', () => {
    it('is a pretty array of rows with every column present, nulls for absent values', () => {
      const log = open();
      const first = log.record(auditEntry({ at: Date.UTC(2024, 0, 2, 3, 4, 5) }));
      const second = log.record(auditEntry({ action: 'connection-lost', user: null, outcome: 'failed', profileName: undefined, platform: undefined, detail: undefined }));
      const json = log.toJson();
      assert.ok(json.startsWith('[\n  {\n    "id": '), 'indented by two spaces');
      const parsed = JSON.parse(json) as Record<string, unknown>[];
      assert.ok(Array.isArray(parsed));
      assert.equal(parsed.length, 2);
      for (const row of parsed) {
        assert.deepEqual(Object.keys(row), [...AUDIT_EXPORT_COLUMNS]);
      }
      assert.deepEqual(parsed[0], {
        id: first.id,
        time: '2024-01-02T03:04:05.000Z',
        at: first.at,
        worksheetId: 'ws-1',
        profileName: 'Redshift prod',
        platform: 'redshift',
        action: 'apply',
        user: 'bob',
        outcome: 'ok',
        assurance: 'read-back',
        detail: 'read back from where Immuta reads it',
      });
      assert.equal(parsed[1].id, second.id);
      assert.equal(parsed[1].user, null);
      assert.equal(parsed[1].profileName, null);
      assert.equal(parsed[1].detail, null);
      assert.equal(parsed[1].action, 'connection-lost');
    });

    it('keeps text as it is (no formula guard in JSON)', () => {
      const log = open();
      log.record(auditEntry({ user: '=cmd' }));
      assert.equal((JSON.parse(log.toJson()) as { user: string }[])[0].user, '=cmd');
    });

    it('exports an empty log as an empty array', () => {
      assert.deepEqual(JSON.parse(open().toJson()), []);
    });
  });
});

describe('csvField', () => {
  it('leaves plain text alone and writes null and undefined as empty', () => {
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField(''), '');
    assert.equal(csvField(null), '');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(true), 'true');
    assert.equal(csvField(42), '42');
  });

  it('quotes a comma, a quote, CR or LF, and doubles quotes', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('line\nbreak'), '"line\nbreak"');
    assert.equal(csvField('carriage\rreturn'), '"carriage\rreturn"');
    assert.equal(csvField('"'), '""""');
  });

  it('prefixes text starting with =, +, -, @, tab or CR with a single quote', () => {
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('+1+1'), "'+1+1");
    assert.equal(csvField('-cmd|calc'), "'-cmd|calc");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tindented'), "'\tindented");
    assert.equal(csvField('\rfirst'), `"'\rfirst"`);
    assert.equal(csvField('=HYPERLINK("x","y")'), `"'=HYPERLINK(""x"",""y"")"`);
    assert.equal(csvField('a=b'), 'a=b', 'only the first character matters');
  });

  it('leaves numbers, and text that is only a number, alone', () => {
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField('-12.50'), '-12.50');
    assert.equal(csvField('+3'), '+3');
    assert.equal(csvField('-1e-7'), '-1e-7');
    assert.equal(csvField('-.5'), '-.5');
    assert.equal(csvField('-1-1'), "'-1-1");
    assert.equal(csvField('-'), "'-");
  });

  it('can turn the formula guard off', () => {
    assert.equal(csvField('=1+1', { formulaGuard: false }), '=1+1');
    assert.equal(csvField('@x,y', { formulaGuard: false }), '"@x,y"');
  });

  it('joins rows and documents', () => {
    assert.equal(csvRow(['a', null, 'b,c', 1]), 'a,,"b,c",1');
    assert.equal(csvDocument([['h1', 'h2'], ['=x', 'y']]), "h1,h2\r\n'=x,y\r\n");
    assert.equal(csvDocument([['=x']], { formulaGuard: false }), '=x\r\n');
  });
});
