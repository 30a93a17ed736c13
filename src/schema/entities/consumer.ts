// Consumer (Kong `consumers`): who is calling. Credentials and ACL groups belong to the plugins that use them.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, Nullable } from '../common.ts';
import { IDENTITY_KEYWORD } from '../identity-text.ts';
import { defineEntity, keyText, type RowView } from '../entity-definition.ts';

/** Consumer identities: what upstreams receive in X-Consumer-Username / X-Consumer-Custom-ID. */
const Identity = (description: string) => Type.String({ minLength: 1, maxLength: 255, [IDENTITY_KEYWORD]: 'label', description });

export const ConsumerSchema = Type.Object(
  {
    ...EntityBase,
    username: Type.Optional(
      Nullable(Identity('Unique username; at least one of `username` and `custom_id`. No invisible characters, and not a lookalike of another username.')),
    ),
    custom_id: Type.Optional(
      Nullable(
        Identity(
          'Unique id from another system; at least one of `username` and `custom_id`. No invisible characters, and not a lookalike of another custom_id.',
        ),
      ),
    ),
  },
  { additionalProperties: false, $id: 'consumer' },
);

export type Consumer = Static<typeof ConsumerSchema>;

/** Kong's consumers: `at_least_one_of = { "custom_id", "username" }`, with Kong's message. */
export const CONSUMER_IDENTITY_MESSAGE = "at least one of these fields must be non-empty: 'custom_id', 'username'";

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const Consumers = defineEntity({
  kind: 'consumers',
  schema: ConsumerSchema,
  adminPath: 'consumers',
  endpointKey: 'username',
  unique: [['username'], ['custom_id']],
  foreign: {},
  columns: { username: 'username', custom_id: 'custom_id' },
  check: (fields, path) =>
    (fields.username ?? null) === null && (fields.custom_id ?? null) === null
      ? [{ path: path === '' ? '@entity' : path, message: CONSUMER_IDENTITY_MESSAGE }]
      : [],
  sortBy: ['username', 'custom_id'],
  naturalKey: ({ fields, path }) => keyText(fields.username ?? fields.custom_id, path),
  label: 'consumer',
  describe: (row) => str(row.username) ?? str(row.custom_id) ?? row.id,
});

/**
 * What a consumer's credential or ACL group declares about its consumer (Kong's `consumer = { type = "foreign",
 * reference = "consumers", required = true, on_delete = "cascade" }`): it cannot exist without one, goes when it
 * goes, and `config diff` names it after it (`alice-iss for consumer alice`), by `field` (the id when absent).
 */
export function ofConsumer(field: string) {
  return {
    foreign: { consumer: { kind: 'consumers', onDelete: 'cascade', required: true } },
    describe: (row: RowView, parent: (field: string) => string): string => `${keyText(row[field], row.id)} for consumer ${parent('consumer')}`,
  } as const;
}
