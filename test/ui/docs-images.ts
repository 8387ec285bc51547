/**
 * The pictures of the product in the README, the user guide and the Get Started walkthrough:
 * each is a screenshot the UI tier's flows take (test-results/ui/<version>/NN-<shot>.png), kept
 * compressed as media/docs/<name>.png by `npm run docs:images`, so they never drift from the
 * product. The unit tier checks that every picture the docs use is listed here and exists.
 */
export interface DocImage {
  /** media/docs/<name>.png */
  readonly name: string;
  /** The flow's screenshot name (without its NN- order prefix). */
  readonly shot: string;
  /** What the picture shows, for alt text. */
  readonly alt: string;
}

/** The VS Code version whose screenshots become the pictures. */
export const DOC_IMAGES_VERSION = '1.139.1';

export const DOC_IMAGES: readonly DocImage[] = [
  { name: 'walkthrough', shot: 'walkthrough-three-done', alt: 'The Get Started walkthrough with its first three steps checked off.' },
  { name: 'connect', shot: 'connection-picker', alt: 'The connection picker listing the lab connections for Redshift, Synapse, Databricks, Snowflake and Trino.' },
  { name: 'picker', shot: 'immuta-picker-search', alt: 'The identity picker opened from the status bar: typing "bo" finds bob@example.com, in project Fraud Analytics.' },
  { name: 'project-warning', shot: 'immuta-project-warning', alt: 'The status bar reading "as bob@example.com · confirmed · project Fraud Analytics", with a notification explaining the project.' },
  { name: 'run-stamp', shot: 'immuta-project-in-stamp', alt: 'Results of a statement run as bob@example.com; the stamp names bob, the assurance and the project.' },
  { name: 'results', shot: 'million-rows-paused-at-limit', alt: 'The results view paused at the row limit of a million-row query, with Fetch more and Fetch all.' },
  { name: 'compare', shot: 'compare-differences-ssn-rows', alt: 'A comparison tab: rows only some identities see, and ssn in the clear only for carol.' },
  { name: 'checks', shot: 'checks-failure-diff', alt: 'The Testing view with the demo policy checks, and a failing check showing expected and actual values.' },
  { name: 'objects', shot: 'objects-as-bob', alt: 'The Database Objects view impersonating bob: fraud.cases is listed with its columns and data source.' },
  { name: 'import', shot: 'import-found', alt: 'Import Connections listing connections found in the home folder, each with the file it came from.' },
];
