// Walking parsed YAML/JSON and records of unknown shape by checking, not asserting: whether a value is an
// object whose fields can be read by name.

/** A non-null object, arrays included (their fields are their indexes): what a dotted path can walk into. */
export function isObjectNode(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** A non-null object that is not an array: a mapping of a YAML or JSON document. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value[name]` when `value` is an object, else undefined: a field of something parsed, read without asserting its shape. */
export function fieldOf(value: unknown, name: string): unknown {
  return isObjectNode(value) ? value[name] : undefined;
}
