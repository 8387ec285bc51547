/**
 * axe-core (an accessibility engine) run inside a webview page. Its source is evaluated through
 * the DevTools protocol, which the page's CSP does not govern: a <script> tag would be blocked by
 * the CSP (script-src takes only the page's nonce), and the product's CSP stays as it is.
 */
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeViolation {
  readonly id: string;
  readonly impact: Impact | null;
  readonly help: string;
  readonly targets: readonly string[];
  /** axe's explanation for the first element (for colour contrast: the colours and the ratio). */
  readonly summary: string;
}

let source: string | undefined;

/** Runs axe on the whole document and returns every violation, with the elements it found. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  source ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof globalThis.axe === "object"'))) await page.evaluate(source);
  return page.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; impact: Impact | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
    }
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> } }).axe;
    const document = (globalThis as unknown as { document: unknown }).document;
    // Every rule axe has for WCAG 2.x A/AA and its best practices (experimental ones stay off).
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
      summary: violation.nodes[0]?.failureSummary ?? '',
    }));
  });
}

/** The violations a user of a screen reader or the keyboard cannot work around. */
export function blocking(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** One line per violation: id, impact, help and the first few elements. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((violation) => `  ${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help}\n    ${violation.summary.replace(/\s*\n\s*/g, ' ')}\n    at ${violation.targets.slice(0, 5).join('\n    at ')}${violation.targets.length > 5 ? `\n    … and ${violation.targets.length - 5} more` : ''}`)
    .join('\n');
}

/** Violations counted by impact, for the log. */
export function countByImpact(violations: readonly AxeViolation[]): Record<Impact, number> {
  const counts: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const violation of violations) if (violation.impact !== null) counts[violation.impact]++;
  return counts;
}
