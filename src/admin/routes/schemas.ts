// /schemas: each entity's and plugin's schema as JSON Schema (the same documents as docs/schemas/), and
// Kong's dry runs `POST /schemas/{entity}/validate` and `POST /schemas/plugins/validate`: the checks an entity
// write runs on the body, nothing written. As in Kong, references are checked for shape, not looked up, so a
// tool can validate a file whose entities refer to each other before any of them exists.
import type { TSchema } from '@sinclair/typebox';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from '../admin-route.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { FieldError } from '../../schema/validate.ts';
import { checkRouteRules, validateEntityFields } from '../../config/validate-entity.ts';
import { ENTITIES, KINDS, isKind, type Kind } from '../../schema/entity-catalogue.ts';
import { schemaViolation, takeForeignKeys } from '../entity-input.ts';
import { requestBody } from '../entity-store.ts';

const jsonSchemas = new WeakMap<TSchema, unknown>();

/** Plain JSON Schema: the JSON round trip drops TypeBox's symbol keys, exactly as docs/schemas/ is written. */
export function toJsonSchema(schema: TSchema): unknown {
  let out = jsonSchemas.get(schema);
  if (out === undefined) jsonSchemas.set(schema, (out = JSON.parse(JSON.stringify(schema))));
  return structuredClone(out);
}

/** The `:name` segment: the routes below all have one, so the router always sets it. */
function nameParam(req: AdminRequest): string {
  const name = Object.hasOwn(req.params, 'name') ? req.params.name : undefined;
  if (name === undefined) throw new Error('a /schemas route has no :name in its pattern');
  return name;
}

function noEntity(name: string): GatewayError {
  return new GatewayError('ADMIN_NOT_FOUND', { message: `No entity named '${name}'`, detail: `schemas exist for ${KINDS.join(', ')}` });
}

/**
 * The checks of an entity write that need no other entity: its fields (schema, defaults, url expansion,
 * unsupported features, the plugin's config), the route rule, and each reference's shape and presence.
 */
export function validateBody(ctx: AdminContext, kind: Kind, body: Record<string, unknown>): FieldError[] {
  const fields = structuredClone(body);
  const errors: FieldError[] = [];
  // the write's own reference checks; what they name is never looked up here
  const refs = takeForeignKeys(kind, fields, undefined, errors);
  const consumerScope = kind === 'plugins' && refs.consumer !== null && refs.consumer !== undefined ? 'field' : undefined;
  const own = validateEntityFields(kind, fields, { path: '', plugins: ctx.plugins, consumerScope });
  errors.push(...own);
  if (kind === 'routes' && own.length === 0) errors.push(...checkRouteRules(fields, ''));
  return errors;
}

function validate(req: AdminRequest, ctx: AdminContext, kind: Kind): Promise<AdminResponse> {
  const errors = validateBody(ctx, kind, requestBody(req, ctx, kind));
  if (errors.length > 0) throw schemaViolation(errors);
  return Promise.resolve({ status: 200, body: { message: 'schema validation successful' } });
}

export const schemaRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/schemas/:name',
    write: false,
    summary: 'JSON Schema of an entity (`services`, `routes`, …)',
    handle: (req) => {
      const name = nameParam(req);
      if (!isKind(name)) throw noEntity(name);
      return Promise.resolve({ status: 200, body: toJsonSchema(ENTITIES[name].schema) });
    },
  },
  {
    method: 'GET',
    pattern: '/schemas/plugins/:name',
    write: false,
    summary: "JSON Schema of a plugin's `config`",
    handle: (req, ctx) => {
      const name = nameParam(req);
      const module = ctx.plugins.get(name);
      if (!module) {
        throw new GatewayError('ADMIN_NOT_FOUND', {
          message: `No plugin named '${name}'`,
          detail: `installed plugins: ${[...ctx.plugins.keys()].sort().join(', ')}`,
        });
      }
      return Promise.resolve({ status: 200, body: toJsonSchema(module.configSchema) });
    },
  },
  // A dry run writes nothing: allowed to read-only tokens and in DB-less mode, as Kong allows it there.
  {
    method: 'POST',
    pattern: '/schemas/plugins/validate',
    write: false,
    summary: 'dry run: validate a plugin entity, nothing written',
    handle: (req, ctx) => validate(req, ctx, 'plugins'),
  },
  {
    method: 'POST',
    pattern: '/schemas/:name/validate',
    write: false,
    summary: 'dry run: validate an entity, nothing written',
    handle: (req, ctx) => {
      const name = nameParam(req);
      if (!isKind(name)) throw noEntity(name);
      return validate(req, ctx, name);
    },
  },
];
