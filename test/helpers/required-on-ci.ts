// The rule for tests that need something this machine may lack (PostgreSQL, Redis, server binaries): outside
// CI they skip with the reason; with CI=true they fail, since CI must run them, never skip them.

/** The skip reason for `missing`; throws instead when CI=true. */
export function skipUnlessCi(missing: string): string {
  if (process.env.CI === 'true') throw new Error(`${missing} (CI=true: it is required)`);
  return `${missing}: skipped (with CI=true this fails)`;
}
