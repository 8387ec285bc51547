/**
 * The order of decimal numbers that arrive as text (NUMERIC/DECIMAL beyond a double's precision),
 * shared by the grid's own sort (src/webview/compare.ts) and the host's sort (sort-order.ts), so
 * that a result sorts the same way whichever of the two sorts it.
 */
const DECIMAL = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/;

/** Exact order of two plain decimal strings; 0 for anything else (e.g. exponents), keeping order stable. */
export function compareDecimalText(left: string, right: string): number {
  const a = DECIMAL.exec(left.trim());
  const b = DECIMAL.exec(right.trim());
  if (a === null || b === null) return 0;
  const aZero = /^0*$/.test(a[2] + (a[3] ?? ''));
  const bZero = /^0*$/.test(b[2] + (b[3] ?? ''));
  const aSign = aZero ? 0 : a[1] === '-' ? -1 : 1;
  const bSign = bZero ? 0 : b[1] === '-' ? -1 : 1;
  if (aSign !== bSign) return aSign < bSign ? -1 : 1;
  if (aSign === 0) return 0;
  return aSign * compareMagnitude(a[2], a[3] ?? '', b[2], b[3] ?? '');
}

function compareMagnitude(aInt: string, aFraction: string, bInt: string, bFraction: string): number {
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const width = Math.max(aFraction.length, bFraction.length);
  const x = aFraction.padEnd(width, '0');
  const y = bFraction.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
