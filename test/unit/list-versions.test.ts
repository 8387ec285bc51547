/**
 * An Enter the window took on a list the identity picker has since replaced arrives naming a
 * position of the new list. The picker must tell when that position may have held another row
 * (and ask again) from when every list that could have been on screen agrees.
 */
import * as assert from 'node:assert/strict';
import { ListVersions, type ListRow } from '../../src/ui/list-versions';

/** Rows from keys: `separator:` keys are separators, `note:` rows always show, the rest filter on their key. */
function rows(...keys: string[]): ListRow[] {
  return keys.map((key) => ({ key, separator: key.startsWith('separator:'), alwaysShow: key.startsWith('note:'), text: key }));
}

describe('ListVersions (which row an Enter on a changing list meant)', () => {
  let clock = 0;
  const versions = () => new ListVersions(2_000, () => clock);
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('a first list is certain at every position', () => {
    const list = versions();
    assert.equal(list.replace(rows('separator:recent', 'impersonate:alice', 'stop')), true);
    assert.equal(list.uncertainAt(1, 'impersonate:alice', ''), false);
  });

  it('Immuta’s answer moving bob is uncertain where the old list held the typed name, and names it', () => {
    const list = versions();
    list.replace(rows('impersonate:bob@example.com', 'separator:', 'compare'));
    clock += 50;
    list.replace(rows('separator:Immuta users', 'impersonate:bob@example.com', 'separator:', 'compare'));
    clock += 300;
    // The window sent position 0 (the typed bob); the new list holds a separator there.
    assert.equal(list.uncertainAt(0, 'separator:Immuta users', ''), true);
    assert.equal(list.previousAt(0), 'impersonate:bob@example.com');
    // Bob's new position held a separator, which the window never accepts: Enter there is bob.
    assert.equal(list.uncertainAt(1, 'impersonate:bob@example.com', ''), false);
  });

  it('a position that held the same row in every recent list is certain', () => {
    const list = versions();
    list.replace(rows('impersonate:alice', 'impersonate:bob', 'stop'));
    clock += 10;
    list.replace(rows('impersonate:alice', 'impersonate:bob', 'separator:Immuta users', 'impersonate:carol', 'stop'));
    assert.equal(list.uncertainAt(0, 'impersonate:alice', ''), false);
    assert.equal(list.uncertainAt(1, 'impersonate:bob', ''), false);
    assert.equal(list.uncertainAt(2, 'separator:Immuta users', ''), true, 'stop was at 2');
    assert.equal(list.uncertainAt(4, 'stop', ''), false, 'the old list had no position 4 to send');
  });

  it('a list replaced longer ago than the window can no longer have been on screen', () => {
    const list = versions();
    list.replace(rows('impersonate:alice', 'impersonate:bob'));
    clock += 10;
    list.replace(rows('impersonate:bob', 'impersonate:alice'));
    clock += 1_999;
    assert.equal(list.uncertainAt(0, 'impersonate:bob', ''), true);
    clock += 2;
    assert.equal(list.uncertainAt(0, 'impersonate:bob', ''), false);
  });

  it('every list replaced within the window counts, not only the last one', () => {
    const list = versions();
    list.replace(rows('impersonate:alice', 'compare'));
    clock += 10;
    list.replace(rows('impersonate:carol', 'compare'));
    clock += 10;
    list.replace(rows('impersonate:carol', 'compare', 'stop'));
    assert.equal(list.uncertainAt(0, 'impersonate:carol', ''), true, 'alice was at 0 twenty milliseconds ago');
  });

  it('the same rows at the same positions are not a new version (labels may change, positions do not)', () => {
    const list = versions();
    list.replace(rows('impersonate:alice', 'impersonate:bob'));
    clock += 10;
    assert.equal(list.replace(rows('impersonate:alice', 'impersonate:bob')), false);
    assert.equal(list.uncertainAt(1, 'impersonate:bob', ''), false);
  });

  it('a row the window could not have accepted with what is typed does not make an Enter uncertain', () => {
    const list = versions();
    // Before typing: recent users. After typing "bob" (no match): the typed name goes first.
    list.replace(rows('separator:recent', 'impersonate:alice', 'compare'));
    clock += 10;
    list.replace(rows('impersonate:bob', 'separator:recent', 'impersonate:alice', 'compare'));
    assert.equal(list.uncertainAt(0, 'impersonate:bob', 'bob'), false, 'a separator was there');
    list.replace(rows('impersonate:carol', 'impersonate:bob', 'compare'));
    assert.equal(list.uncertainAt(1, 'impersonate:bob', 'bob'), false, 'alice does not match "bob"');
    assert.equal(list.uncertainAt(1, 'impersonate:bob', 'ae'), true, '"ae" could pick alice (a fuzzy match)');
    list.replace(rows('note:$(info) 3 more match', 'impersonate:bob', 'compare'));
    assert.equal(list.uncertainAt(0, 'note:$(info) 3 more match', 'bob'), true, 'the typed bob was at 0 a moment ago');
    assert.equal(list.uncertainAt(2, 'compare', 'zz'), false, 'nothing else there matches "zz"');
    assert.equal(list.uncertainAt(2, 'compare', 'al'), true, 'alice was at 2 and matches "al"');
  });

  it('once the person was asked to confirm on the current list, their next Enter is certain', () => {
    const list = versions();
    list.replace(rows('impersonate:alice', 'impersonate:bob'));
    clock += 10;
    list.replace(rows('impersonate:bob', 'impersonate:alice'));
    assert.equal(list.uncertainAt(0, 'impersonate:bob', ''), true);
    assert.equal(list.previousAt(0), 'impersonate:alice');
    list.settle();
    assert.equal(list.uncertainAt(0, 'impersonate:bob', ''), false);
    clock += 10;
    list.replace(rows('impersonate:alice', 'impersonate:bob'));
    assert.equal(list.uncertainAt(0, 'impersonate:alice', ''), true, 'a list set after the confirmation counts again');
  });

  it('checks the window reported on a replaced list are uncertain where that list held other rows', () => {
    const list = versions();
    // Compare as…: yourself and alice checked; Immuta's answer inserts a separator and bob above carol.
    list.replace(rows('user:yourself', 'user:alice', 'user:carol'));
    clock += 10;
    list.replace(rows('user:yourself', 'user:alice', 'separator:Immuta users', 'user:bob', 'user:carol'));
    // Positions 0, 1 and 2 held yourself, alice and carol: a report of them names a separator now.
    assert.equal(list.uncertainSelection([0, 1, 2], ['user:yourself', 'user:alice', 'separator:Immuta users']), true);
    // Positions the old list had the same rows at are certain.
    assert.equal(list.uncertainSelection([0, 1], ['user:yourself', 'user:alice']), false);
    // A position the old list did not have cannot have been reported from it.
    assert.equal(list.uncertainSelection([0, 1, 3], ['user:yourself', 'user:alice', 'user:bob']), false);
    clock += 2_001;
    assert.equal(list.uncertainSelection([0, 1, 2], ['user:yourself', 'user:alice', 'separator:Immuta users']), false, 'the old list is gone from the screen by now');
  });
});
