// Reading what drivers and Node attach to their errors (`code`, `constraint`, `message`) from an `unknown`
// catch binding, by checking rather than asserting a shape: anything thrown may reach a catch.

/** The string `err` carries as `field` (`err.code`, `err.constraint`), or undefined when it carries none. */
export function errorText(err: unknown, field: 'code' | 'constraint' | 'message'): string | undefined {
  if (err === null || typeof err !== 'object' || !(field in err)) return undefined;
  const value: unknown = Reflect.get(err, field);
  return typeof value === 'string' ? value : undefined;
}
