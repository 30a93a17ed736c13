// request-size-limiting config: Kong 3.x fields and defaults (allowed_payload_size, size_unit, require_content_length).
import { Type, type Static } from '@sinclair/typebox';

export const SIZE_UNIT_BYTES = { megabytes: 1048576, kilobytes: 1024, bytes: 1 } as const;

export const RequestSizeLimitingConfigSchema = Type.Object(
  {
    allowed_payload_size: Type.Integer({
      minimum: 0,
      default: 128,
      description: 'Largest request body allowed, in `size_unit`s (default 128 megabytes = 134217728 bytes).',
    }),
    size_unit: Type.Union([Type.Literal('megabytes'), Type.Literal('kilobytes'), Type.Literal('bytes')], {
      default: 'megabytes',
      description: 'Unit of `allowed_payload_size`; kilobytes and megabytes are binary (1024 and 1048576 bytes).',
    }),
    require_content_length: Type.Boolean({
      default: false,
      description: 'Refuse with 411 a request that has neither a valid `Content-Length` nor a chunked body.',
    }),
  },
  { additionalProperties: false },
);

export type RequestSizeLimitingConfig = Static<typeof RequestSizeLimitingConfigSchema>;
