/**
 * The text after `@expect`, read into an `Expectation`. Keywords are case-insensitive; column
 * names are a bare word or a double-quoted identifier, kept as written (the evaluator matches
 * them against the result's columns).
 *
 *   rows <op> <N>             no rows | some rows
 *   <column> [not] in (<literal>, …)
 *   <column> matches '<regex>'
 *   <column> masked [as null | as hash | as constant [<literal>] | as '<regex>']
 *   <column> clear | <column> in clear | <column> unmasked
 *   denied
 *   same as <identity> | different from <identity>
 *   snapshot | matches snapshot
 */
import type { CellValue } from '../platforms/types';
import {
  AnnotationSyntaxError,
  LITERAL_HINT,
  TokenReader,
  annotationTokens,
  parseIdentity,
  readLiteral,
  unclosed,
  type AnnotationToken,
} from './annotation-syntax';
import type { CountOperator, Expectation, MaskForm } from './types';

type ExpectationBody = Expectation extends infer E ? (E extends unknown ? Omit<E, 'line' | 'source'> : never) : never;

const OPERATOR_HINT = 'one of =, !=, >, >=, <, <=';
const FORMS_HINT = "null, hash, constant or a 'regular expression'";
const WHAT_HINT =
  'Expected an expectation: rows <op> <N>, no rows, some rows, <column> in (…), <column> not in (…), <column> matches \'…\', ' +
  '<column> masked, <column> clear, denied, same as <user>, different from <user> or snapshot.';
const AFTER_COLUMN_HINT = "in (…), not in (…), matches '…', masked, masked as …, clear or unmasked";

/** Regular expressions are compiled the same way here and in the evaluator. */
export function fullMatchRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** `new RegExp`'s complaint about `pattern`, or undefined when it compiles. */
function regexProblem(pattern: string): string | undefined {
  try {
    fullMatchRegExp(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function operatorOf(raw: string): CountOperator | undefined {
  switch (raw) {
    case '=':
    case '==':
      return '=';
    case '!=':
    case '<>':
      return '!=';
    case '>':
    case '>=':
    case '<':
    case '<=':
      return raw;
    default:
      return undefined;
  }
}

/** A quoted regular expression, checked. */
function readPattern(reader: TokenReader, after: string): string {
  const token = reader.peek();
  if (token?.kind !== 'string') throw reader.errorHere(`Expected a regular expression in single quotes after "${after}", e.g. '^[A-Z]{2}$'.`);
  if (!token.closed) throw unclosed(token);
  reader.next();
  const problem = regexProblem(token.value);
  if (problem !== undefined) throw new AnnotationSyntaxError(token.start, token.end, `This regular expression is not valid: ${problem}.`);
  return token.value;
}

function readRows(reader: TokenReader): ExpectationBody {
  const opToken = reader.peek();
  const operator = opToken?.kind === 'operator' ? operatorOf(opToken.value) : undefined;
  if (operator === undefined) throw reader.errorHere(`Expected a comparison after "rows": ${OPERATOR_HINT}.`);
  reader.next();
  const countToken = reader.peek();
  if (countToken?.kind !== 'number' || !/^\d+$/.test(countToken.value)) {
    throw reader.errorHere(`Expected a whole number of rows after "rows ${opToken?.value ?? ''}", e.g. rows ${opToken?.value ?? '='} 0.`);
  }
  reader.next();
  reader.end(`"rows ${opToken?.value ?? ''} ${countToken.value}"`);
  return { kind: 'rows', operator, count: Number(countToken.value) };
}

function readList(reader: TokenReader, column: string, negated: boolean): ExpectationBody {
  const open = reader.peek();
  if (open?.raw !== '(') throw reader.errorHere(`Expected "(" and a list of values after "${negated ? 'not in' : 'in'}", e.g. ('EU', 'US').`);
  reader.next();
  const values: CellValue[] = [];
  for (;;) {
    const value = readLiteral(reader);
    if (value === undefined) throw reader.errorHere(`Expected a value in the list: ${LITERAL_HINT}.`);
    values.push(value);
    const separator = reader.peek();
    if (separator?.raw === ',') {
      reader.next();
      continue;
    }
    if (separator?.raw === ')') {
      reader.next();
      break;
    }
    throw reader.errorHere('Expected "," and another value, or ")" to close the list.');
  }
  reader.end('the list');
  return { kind: 'values-in', column, values, negated };
}

function readMaskForm(reader: TokenReader): MaskForm {
  const token = reader.peek();
  if (token?.kind === 'string') return { kind: 'pattern', pattern: readPattern(reader, 'masked as') };
  const word = token?.kind === 'word' ? token.value.toLowerCase() : undefined;
  if (word === 'null') {
    reader.next();
    return { kind: 'null' };
  }
  if (word === 'hash' || word === 'hashed') {
    reader.next();
    return { kind: 'hash' };
  }
  if (word === 'constant') {
    reader.next();
    if (reader.done) return { kind: 'constant' };
    const value = readLiteral(reader);
    if (value === undefined) throw reader.errorHere(`Expected the constant after "masked as constant": ${LITERAL_HINT} (or nothing).`);
    return { kind: 'constant', value };
  }
  throw reader.errorHere(`Expected how the column is masked after "masked as": ${FORMS_HINT}.`);
}

function readColumnExpectation(reader: TokenReader, columnToken: AnnotationToken): ExpectationBody {
  const column = columnToken.value;
  if (reader.accept('not')) {
    if (!reader.accept('in')) throw reader.errorHere('Expected "in" after "not", e.g. region not in (\'US\').');
    return readList(reader, column, true);
  }
  if (reader.accept('in')) {
    if (reader.accept('clear')) {
      reader.end('"in clear"');
      return { kind: 'clear', column };
    }
    return readList(reader, column, false);
  }
  if (reader.accept('matches')) {
    const pattern = readPattern(reader, 'matches');
    reader.end('the regular expression');
    return { kind: 'values-match', column, pattern };
  }
  if (reader.accept('masked')) {
    if (reader.done) return { kind: 'masked', column };
    if (!reader.accept('as')) throw reader.errorHere(`Expected "as" and a form after "masked" (${FORMS_HINT}), or nothing.`);
    const form = readMaskForm(reader);
    reader.end('the mask form');
    return { kind: 'masked', column, form };
  }
  const clear = reader.accept('clear') ?? reader.accept('unmasked');
  if (clear !== undefined) {
    reader.end(`"${clear.raw}"`);
    return { kind: 'clear', column };
  }
  throw reader.errorHere(`Expected what to check about column ${columnToken.raw}: ${AFTER_COLUMN_HINT}.`);
}

function readOtherIdentity(text: string, reader: TokenReader, phrase: string): string {
  const first = reader.peek();
  if (first === undefined) throw reader.errorHere(`Expected a user name (or yourself) after "${phrase}".`);
  return parseIdentity(text, first.start, text.length).identity;
}

/** The expectation written in `text` (the annotation's text after `@expect`); throws AnnotationSyntaxError. */
export function parseExpectation(text: string): ExpectationBody {
  const tokens = annotationTokens(text);
  const reader = new TokenReader(tokens, text.length);
  const first = reader.peek();
  if (first === undefined) throw new AnnotationSyntaxError(0, 1, WHAT_HINT);
  if (first.kind === 'quoted') {
    if (!first.closed) throw unclosed(first);
    reader.next();
    return readColumnExpectation(reader, first);
  }
  if (first.kind !== 'word') throw new AnnotationSyntaxError(first.start, text.length, WHAT_HINT);
  const word = first.value.toLowerCase();
  const second = reader.peek(1);
  const secondWord = second?.kind === 'word' ? second.value.toLowerCase() : undefined;
  // A keyword that is also a column name (`rows in (…)`) reads as a column when what follows says so.
  const columnFollows = secondWord !== undefined && ['in', 'not', 'matches', 'masked', 'clear', 'unmasked'].includes(secondWord);
  if (word === 'rows' && !columnFollows) {
    reader.next();
    return readRows(reader);
  }
  if ((word === 'no' || word === 'some') && secondWord === 'rows' && reader.peek(2)?.kind !== 'operator') {
    reader.next();
    reader.next();
    reader.end(`"${word} rows"`);
    return word === 'no' ? { kind: 'rows', operator: '=', count: 0 } : { kind: 'rows', operator: '>', count: 0 };
  }
  if (word === 'denied' && second === undefined) {
    reader.next();
    return { kind: 'denied' };
  }
  if (word === 'snapshot' && second === undefined) {
    reader.next();
    return { kind: 'snapshot' };
  }
  if (word === 'matches' && secondWord === 'snapshot') {
    reader.next();
    reader.next();
    reader.end('"matches snapshot"');
    return { kind: 'snapshot' };
  }
  if ((word === 'same' || word === 'different') && !columnFollows) {
    reader.next();
    const joiner = word === 'same' ? 'as' : 'from';
    if (!reader.accept(joiner)) throw reader.errorHere(`Expected "${joiner}" and a user name after "${word}", e.g. ${word} ${joiner} yourself.`);
    const identity = readOtherIdentity(text, reader, `${word} ${joiner}`);
    return word === 'same' ? { kind: 'same-as', identity } : { kind: 'different-from', identity };
  }
  if (second === undefined) throw new AnnotationSyntaxError(first.start, first.end, WHAT_HINT);
  reader.next();
  return readColumnExpectation(reader, first);
}
