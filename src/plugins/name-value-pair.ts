// Kong's `name:value` config entries (request- and response-transformer): one parser for both plugins.

/** Splits Kong's `name:value` (`^([^:]+):*(.-)$`: several colons in a row are one separator). */
export function splitPair(entry: string): [string, string] {
  const colon = entry.indexOf(':');
  if (colon === -1) return [entry, ''];
  let at = colon;
  while (entry[at] === ':') at++;
  return [entry.slice(0, colon), entry.slice(at)];
}
