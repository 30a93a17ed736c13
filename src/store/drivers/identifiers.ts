// SQL identifiers that come from configuration (schema names, LISTEN channels): checked, then quoted.
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}: letters, digits and '_' only`);
  return `"${name}"`;
}
