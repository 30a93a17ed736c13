// correlation-id config: Kong 3.x fields and defaults (header_name, generator, echo_downstream).
import { Type, type Static } from '@sinclair/typebox';

/** RFC 9110 token: what a header name may contain (Node refuses anything else at send time). */
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

export const CorrelationIdConfigSchema = Type.Object(
  {
    header_name: Type.String({
      minLength: 1,
      pattern: HEADER_NAME,
      default: 'Kong-Request-ID',
      description: 'Header that carries the correlation id to the upstream (and to the client with `echo_downstream`).',
    }),
    generator: Type.Union([Type.Literal('uuid'), Type.Literal('uuid#counter'), Type.Literal('tracker')], {
      default: 'uuid#counter',
      description: 'How new ids are made: `uuid` (random v4), `uuid#counter` (a per-process UUID and a counter), `tracker` (host, pid, sequence and time).',
    }),
    echo_downstream: Type.Boolean({
      default: false,
      description: 'Also send the id back to the client in the response.',
    }),
  },
  { additionalProperties: false },
);

export type CorrelationIdConfig = Static<typeof CorrelationIdConfigSchema>;
