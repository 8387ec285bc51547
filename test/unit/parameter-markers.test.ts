import assert from 'node:assert/strict';
import { isPlatformError, PlatformError } from '../../src/platforms/errors';
import { caseClash, markParameters, originalOffset, relocateError, valuesOf } from '../../src/platforms/parameter-markers';
import { findParameters } from '../../src/sql/parameters';

const pg = (_name: string, ordinal: number) => `$${ordinal}`;

describe('bind markers for named parameters', () => {
  const sql = "SELECT ':region', ${start} FROM t WHERE region = :region OR alt = :region AND d > ${start}";
  const parameters = { uses: findParameters(sql, 'postgres'), values: { region: "EU'; drop table t; --", start: null } };

  it('replaces each use with one marker per distinct name; the values stay out of the text', () => {
    const marked = markParameters(sql, parameters, pg);
    assert.equal(marked.text, "SELECT ':region', $1 FROM t WHERE region = $2 OR alt = $2 AND d > $1");
    assert.deepEqual(marked.names, ['start', 'region']);
    assert.deepEqual(valuesOf(parameters, marked.names), [null, "EU'; drop table t; --"]);
    assert.equal(markParameters(sql, parameters, (name) => `@p_${name}`).text, "SELECT ':region', @p_start FROM t WHERE region = @p_region OR alt = @p_region AND d > @p_start");
  });

  it('maps offsets in the marked text back to the text as written', () => {
    const marked = markParameters(sql, parameters, pg);
    const at = (needle: string, from = 0) => originalOffset(marked, marked.text.indexOf(needle, from));
    assert.equal(at('FROM'), sql.indexOf('FROM'));
    assert.equal(at('$2'), sql.indexOf(':region', 20));
    assert.equal(at('AND'), sql.indexOf('AND'));
    assert.equal(originalOffset(marked, 0), 0);
    const error = relocateError(new PlatformError('server', 'bad', { position: { offset: marked.text.indexOf('alt') } }), marked) as PlatformError;
    assert.equal(error.position?.offset, sql.indexOf('alt'));
    // A span keeps covering the same words: "$2 AND d" is ":region AND d" as written.
    const span = relocateError(new PlatformError('server', 'bad', { position: { offset: marked.text.indexOf('$2 AND'), length: '$2 AND d'.length } }), marked) as PlatformError;
    assert.deepEqual(span.position, { offset: sql.indexOf(':region AND'), length: ':region AND d'.length });
  });

  it('refuses, before anything is sent, a name without a value or a use that no longer points at its placeholder', () => {
    const refused = (run: () => unknown, message: RegExp) =>
      assert.throws(run, (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && message.test(error.message));
    refused(() => markParameters(sql, { uses: parameters.uses, values: { region: 'EU' } }, pg), /the parameter start has no value/);
    refused(() => markParameters(`${sql} `.replace('SELECT', 'SELECT  '), parameters, pg), /the parameter start is not where the statement says it is/);
  });

  it('finds names that differ only in case (one T-SQL variable declared twice)', () => {
    assert.deepEqual(caseClash(['region', 'since', 'Region']), ['region', 'Region']);
    assert.equal(caseClash(['region', 'since']), undefined);
  });
});
