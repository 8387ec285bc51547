/**
 * The policy checks that the demo workspace holds (`checks.sql`, with its stored snapshot
 * `checks.snapshots.json`): one check per policy of the lab fixture, each with what should hold
 * for the users it concerns. Run them from the Testing view, or with
 * `node dist/cli.js check checks.sql` in the demo folder.
 */

export const CHECKS_DEMO = `-- Immuta Worksheets demo: policy checks.
--
-- Each "-- @check" block below is a test in the Testing view (the beaker in the activity bar):
-- its statement runs as each "@as" identity, in a session of its own with verified
-- impersonation, and every "@expect" must hold. Edit an expectation to see a failure and its
-- diff; a typo shows as a problem at its line.
--
-- @connection Lab Redshift (governor)

-- @check Customers: US users see only US rows
-- @as alice@example.com, "o'brien"
-- @expect rows = 500
-- @expect region in ('US')
SELECT region FROM sales.customers;

-- @check Customers: EU users see only EU rows
-- @as bob@example.com
-- @expect region in ('EU')
-- @expect some rows
SELECT region FROM sales.customers;

-- @check Customers: SSNs are masked outside pii_readers
-- @as alice@example.com, bob@example.com
-- @expect rows = 500
-- @expect ssn masked as '\\*\\*\\*-\\*\\*-\\d{4}'
SELECT id, ssn FROM sales.customers;

-- @check Customers: pii_readers see SSNs in the clear
-- @as carol@example.com
-- @expect ssn clear
-- @expect ssn matches '\\d{3}-\\d{2}-\\d{4}'
-- @expect region in ('APAC')
SELECT region, ssn FROM sales.customers;

-- @check Governors see every region
-- @as yourself
-- @expect rows = 3
-- @expect region in ('US', 'EU', 'APAC')
SELECT DISTINCT region FROM sales.customers;

-- @check Fraud cases stay inside the Fraud Analytics project
-- @as bob@example.com
-- @expect rows = 400
SELECT id, status FROM fraud.cases;

-- @check Fraud cases are invisible outside the project
-- @as alice@example.com, carol@example.com, dave@example.com
-- @expect no rows
SELECT id FROM fraud.cases;

-- @check Campaigns only within Marketing Insights
-- @as dave@example.com
-- @expect rows = 240
-- @expect channel in ('email', 'search', 'social', 'display')
SELECT id, channel FROM marketing.campaigns;

-- @check Acting under a project hides the rest (dave sees no customers)
-- @as dave@example.com
-- @expect no rows
SELECT id FROM sales.customers;

-- @check Users with the same attributes see the same customers
-- @as "o'brien"
-- @expect same as alice@example.com
-- @expect different from bob@example.com
SELECT id, region, ssn FROM sales.customers;

-- @check Raw tables are closed to everyone
-- @as alice@example.com, yourself
-- @expect denied
SELECT * FROM immuta_raw.customers;

-- @check The first US customers, as alice sees them (stored snapshot)
-- @as alice@example.com
-- @expect snapshot
SELECT id, region, ssn FROM sales.customers WHERE id <= 12;
`;

/** The stored snapshot of the last check: alice's first four customers, SSNs masked. */
export const CHECKS_DEMO_SNAPSHOT = {
  name: 'The first US customers, as alice sees them (stored snapshot)',
  identity: 'alice@example.com',
  entry: {
    columns: ['id', 'region', 'ssn'],
    rows: [
      [1, 'US', '***-**-7919'],
      [4, 'US', '***-**-1676'],
      [7, 'US', '***-**-5433'],
      [10, 'US', '***-**-9190'],
    ],
  },
} as const;
