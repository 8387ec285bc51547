/** What each test tier reports to the top-level runner. */
export interface TierStats {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly guardViolations: number;
}
