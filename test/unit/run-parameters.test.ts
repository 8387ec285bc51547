import assert from 'node:assert/strict';
import { entryOfValue, gatherParameters, NULL_ENTRY, valueOfEntry } from '../../src/worksheets/run-parameters';

describe('gathering a run\'s parameter values', () => {
  it('asks once per distinct name across the run, in order of first use; each statement gets its own uses and values', async () => {
    const asked: string[] = [];
    const answers: Record<string, string | null> = { region: 'EU', since: null, n: '' };
    const result = await gatherParameters(['SELECT :region, :since', 'SELECT 1', 'SELECT :n, :region, ${region}'], 'postgres', async (name) => {
      asked.push(name);
      return answers[name];
    });
    assert.deepEqual(asked, ['region', 'since', 'n']);
    assert.ok(result);
    assert.deepEqual(result[0]?.values, { region: 'EU', since: null });
    assert.equal(result[1], undefined);
    assert.deepEqual(result[2]?.values, { n: '', region: 'EU' });
    assert.deepEqual(result[2]?.uses.map((use) => use.name), ['n', 'region', 'region']);
  });

  it('a cancelled prompt cancels the run: nothing after it is asked', async () => {
    const asked: string[] = [];
    const result = await gatherParameters(['SELECT :a, :b'], 'postgres', async (name) => {
      asked.push(name);
      return undefined;
    });
    assert.equal(result, undefined);
    assert.deepEqual(asked, ['a']);
  });

  it('asks nothing when no statement has parameters', async () => {
    const result = await gatherParameters(['SELECT a::text', "SELECT ':x'"], 'postgres', async () => assert.fail('asked'));
    assert.deepEqual(result, [undefined, undefined]);
  });

  it('\\N is NULL, empty is the empty string, and a remembered NULL is offered back as \\N', () => {
    assert.equal(NULL_ENTRY, '\\N');
    assert.equal(valueOfEntry('\\N'), null);
    assert.equal(valueOfEntry(''), '');
    assert.equal(valueOfEntry('NULL'), 'NULL');
    assert.equal(entryOfValue(null), '\\N');
    assert.equal(entryOfValue('EU'), 'EU');
  });
});
