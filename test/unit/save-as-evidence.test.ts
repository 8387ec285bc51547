import * as assert from 'node:assert/strict';
import { SaveAsEvidence } from '../../src/worksheets/save-as-evidence';

const TEXT = 'SELECT count(*) FROM sales.customers;';

function evidence() {
  let now = 1_000_000;
  const linker = new SaveAsEvidence({ windowMs: 5000, now: () => now });
  return { linker, advance: (ms: number) => void (now += ms) };
}

describe('save-as evidence: when a saved file takes over an untitled worksheet', () => {
  it('links a file opened and saved with the text of the untitled worksheet that closed first', () => {
    const { linker } = evidence();
    assert.equal(linker.untitledClosed('untitled:Untitled-1', TEXT), undefined);
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), 'untitled:Untitled-1');
  });

  it('links them in the other order too: the file saved, then the untitled tab closed', () => {
    const { linker } = evidence();
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), undefined);
    assert.equal(linker.untitledClosed('untitled:Untitled-1', TEXT), 'file:///w/saved.sql');
  });

  it('never links an empty or blank document: every new document starts empty', () => {
    for (const text of ['', '  \n\t']) {
      const { linker } = evidence();
      linker.untitledClosed('untitled:Untitled-1', text);
      linker.fileOpened('file:///w/new.sql');
      assert.equal(linker.fileSaved('file:///w/new.sql', text), undefined, JSON.stringify(text));
      linker.fileOpened('file:///w/other.sql');
      linker.fileSaved('file:///w/other.sql', text);
      assert.equal(linker.untitledClosed('untitled:Untitled-2', text), undefined, JSON.stringify(text));
    }
  });

  it('never links a file that was opened but not saved (a new file from the explorer)', () => {
    const { linker } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    linker.fileOpened('file:///w/new.sql');
    // No save: a later close of another untitled worksheet with this text finds nothing either.
    assert.equal(linker.untitledClosed('untitled:Untitled-2', TEXT), undefined);
  });

  it('never links a save of a file that was open long before (Ctrl+S, then closing an untitled tab with the same text)', () => {
    const { linker, advance } = evidence();
    linker.fileOpened('file:///w/old.sql');
    advance(60_000);
    assert.equal(linker.fileSaved('file:///w/old.sql', TEXT), undefined);
    assert.equal(linker.untitledClosed('untitled:Untitled-1', TEXT), undefined);
  });

  it('never links text that differs, even by a character', () => {
    const { linker } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', `${TEXT} `), undefined);
  });

  it('never links when the two halves are further apart than the window', () => {
    const { linker, advance } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    advance(5001);
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), undefined);
  });

  it('links nothing when two untitled worksheets closed with the same text (which one was saved is unknown)', () => {
    const { linker } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    linker.untitledClosed('untitled:Untitled-2', TEXT);
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), undefined);
    linker.fileOpened('file:///w/again.sql');
    assert.equal(linker.fileSaved('file:///w/again.sql', TEXT), undefined, 'both candidates were dropped, not kept for a later save');
  });

  it('links nothing when two files were saved with the text of the one untitled worksheet', () => {
    const { linker } = evidence();
    for (const file of ['file:///w/a.sql', 'file:///w/b.sql']) {
      linker.fileOpened(file);
      linker.fileSaved(file, TEXT);
    }
    assert.equal(linker.untitledClosed('untitled:Untitled-1', TEXT), undefined);
  });

  it('an untitled worksheet revived or closed for good can no longer be linked', () => {
    const { linker } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    linker.forgetUntitled('untitled:Untitled-1');
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), undefined);
  });

  it('each half is used once: a second save of the same file links nothing more', () => {
    const { linker } = evidence();
    linker.untitledClosed('untitled:Untitled-1', TEXT);
    linker.fileOpened('file:///w/saved.sql');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), 'untitled:Untitled-1');
    assert.equal(linker.fileSaved('file:///w/saved.sql', TEXT), undefined);
  });
});
