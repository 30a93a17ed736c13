// Database refusals -> the admin API's catalogue errors with Kong's messages: unique (409), foreign key
// (400), delete refused by a restricting child (400), concurrent-write conflicts (409). A secret field's
// value (an API key) is never echoed, whatever the constraint.
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { declaredSecretFields, pluginNameOf, REDACTED } from '../secrets/secret-fields.ts';
import { foreignKeyOf, parentKindOf, type Kind } from '../schema/entity-catalogue.ts';
import { errorText } from './error-fields.ts';
import { referenceId } from '../schema/entity-shapes.ts';
import { FOREIGN_CONSTRAINTS, LOOKALIKE_INDEXES, UNIQUE_CONSTRAINTS } from './tables.ts';
import { lookalikeMessage } from '../schema/identity-fields.ts';

/** PostgreSQL serialization_failure and deadlock_detected: the write may simply be retried. */
export function isRetryable(err: unknown): boolean {
  const code = errorText(err, 'code');
  return code === '40001' || code === '40P01';
}

export function conflict(): GatewayError {
  return new GatewayError('STORE_CONFLICT');
}

/** Kong's `pl.pretty.write(t, "")`: `{name="x",service={id="…"}}`, keys sorted, null as null. */
export function kongPretty(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // functions and symbols: no value a record read from JSON can hold; shown as JSON would drop them
  if (typeof value !== 'object') return 'null';
  if (Array.isArray(value)) return `{${value.map(kongPretty).join(',')}}`;
  const fields: [string, unknown][] = Object.entries(value);
  const entries = fields.sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `[${JSON.stringify(k)}]`}=${kongPretty(v)}`).join(',')}}`;
}

export function uniqueViolation(kind: Kind, fields: readonly string[], record: Record<string, unknown>, plugins: PluginRegistry): GatewayError {
  const secret = new Set(declaredSecretFields(kind, pluginNameOf(kind, record), plugins).map((f) => f.path.join('.')));
  const key: Record<string, unknown> = {};
  for (const field of fields) {
    if (secret.has(field)) key[field] = REDACTED;
    else if (foreignKeyOf(kind, field) !== undefined) {
      const id = referenceId(record[field]);
      key[field] = id === null ? null : { id };
    } else key[field] = record[field] ?? null;
  }
  return new GatewayError('ADMIN_UNIQUE_VIOLATION', {
    message: `UNIQUE violation detected on '${kongPretty(key)}'`,
    fields: Object.fromEntries(fields.map((f) => [f, 'already exists'])),
  });
}

/**
 * Maps a failed statement of `op` on `kind` (with `record`, for inserts and updates) to a catalogue error.
 * Anything unrecognised (and retryable conflicts) is returned unchanged.
 */
export function mapWriteError(err: unknown, op: 'write' | 'delete', kind: Kind, record: Record<string, unknown> | undefined, plugins: PluginRegistry): unknown {
  if (isGatewayError(err)) return err;
  const code = errorText(err, 'code');
  const constraint = errorText(err, 'constraint');
  if (code === '23505' && constraint !== undefined) {
    const unique = UNIQUE_CONSTRAINTS.get(constraint);
    if (unique && record) return uniqueViolation(unique.kind, unique.fields, record, plugins);
    const lookalike = LOOKALIKE_INDEXES.get(constraint);
    if (lookalike !== undefined) return lookalikeViolation(lookalike);
    if (constraint === `${kind}_pkey` && record) {
      return new GatewayError('ADMIN_UNIQUE_VIOLATION', {
        message: `primary key violation on key '${kongPretty({ id: record.id })}'`,
        fields: { id: 'already exists' },
      });
    }
  }
  // 23001: ON DELETE RESTRICT refused; 23503: a foreign key (NO ACTION) not satisfied.
  if ((code === '23503' || code === '23001') && constraint !== undefined) {
    const fk = FOREIGN_CONSTRAINTS.get(constraint);
    if (fk && op === 'delete') {
      return new GatewayError('ADMIN_REFERENCED', {
        message: `an existing '${fk.kind}' entity references this '${kind}' entity`,
        fields: { '@referenced_by': fk.kind },
      });
    }
    if (fk && record) {
      const parent = parentKindOf(fk.kind, fk.field);
      return new GatewayError('ADMIN_FOREIGN_KEY_VIOLATION', {
        message: `the foreign key '${kongPretty({ id: referenceId(record[fk.field]) })}' does not reference an existing '${parent}' entity.`,
        fields: { [fk.field]: `does not reference an existing '${parent}' entity` },
      });
    }
  }
  return err;
}

/** An identity that looks like one already stored (`existing`, when the check could name it). */
export function lookalikeViolation(field: string, existing?: string): GatewayError {
  const message =
    existing === undefined
      ? 'looks the same as an identity already used (compared ignoring case, width, Unicode normalisation and confusable letters)'
      : lookalikeMessage(existing);
  return new GatewayError('ADMIN_LOOKALIKE_VIOLATION', { message: `${field}: ${message}`, fields: { [field]: message } });
}

export function schemaViolation(field: string, message: string): GatewayError {
  return new GatewayError('ADMIN_SCHEMA_VIOLATION', { message: `schema violation (${field}: ${message})`, fields: { [field]: message } });
}
