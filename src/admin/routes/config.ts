// /config: GET exports the configuration served as a Kong declarative document (decK-shaped, secrets left
// out) in either mode; POST replaces it whole in DB-less mode, as Kong's does: 201 with the entities now
// served, or 400 listing every error while the old configuration keeps serving.
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from '../admin-route.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { ConfigError } from '../../config/config-error.ts';
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import { exportDeclarative, serializeDeclarative } from '../../config/declarative/export-declarative.ts';
import { parseDeclarativeText } from '../../config/declarative/parse-file.ts';
import { KINDS } from '../../schema/entity-catalogue.ts';
import { publicRecord } from '../../store/records.ts';
import { toAdminRecord } from '../../schema/entity-shapes.ts';
import type { EntityRecord } from '../../store/store.ts';
import { isMemoryAudit } from '../memory-audit.ts';
import { configChangeImages } from '../config-change-audit.ts';
import { isPlainObject } from '../form-body.ts';

function exported(ctx: AdminContext, entities: ConfigEntities, selectTags?: readonly string[]): Record<string, unknown> {
  return exportDeclarative(entities, { plugins: ctx.plugins, selectTags });
}

async function getConfig(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const format = req.query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'yaml') {
    throw new GatewayError('ADMIN_INVALID_QUERY', { detail: `format: '${format.slice(0, 32)}'`, fields: { format: "expected 'json' or 'yaml'" } });
  }
  const tags = req.query.get('select_tags');
  const selectTags =
    tags === null
      ? undefined
      : tags
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
  const snapshot = await ctx.store.snapshot();
  const doc = exported(ctx, snapshot.entities, selectTags);
  const headers = { 'X-Config-Version': String(snapshot.version) };
  // YAML travels as Kong's GET /config answers: the file's text in `config`.
  if (format === 'yaml') return { status: 200, body: { config: serializeDeclarative(doc, 'yaml') }, headers };
  return { status: 200, body: doc, headers };
}

/** Kong's three ways to send a document: the document itself, or its text (YAML or JSON) in `config`. */
export function documentFrom(body: unknown): Record<string, unknown> {
  if (isPlainObject(body) && body._format_version !== undefined) return body;
  const config = isPlainObject(body) ? body.config : undefined;
  if (isPlainObject(config)) return config;
  if (typeof config === 'string' && config.trim() !== '') {
    try {
      return parseDeclarativeText(config, 'config');
    } catch (err) {
      throw asRefusal(err);
    }
  }
  throw new GatewayError('ADMIN_CONFIG_REFUSED', {
    message: 'expected a declarative configuration',
    detail: 'send the document as the JSON body, or its YAML or JSON text in `config`',
    fields: { config: 'required field missing' },
  });
}

function asRefusal(err: unknown): unknown {
  if (!(err instanceof ConfigError)) return err;
  const fields = new Map<string, string>();
  for (const e of err.errors) {
    const field = e.path || 'config';
    const earlier = fields.get(field);
    fields.set(field, earlier === undefined ? e.message : `${earlier}; ${e.message}`);
  }
  return new GatewayError('ADMIN_CONFIG_REFUSED', {
    detail: err.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; '),
    fields: Object.fromEntries(fields),
  });
}

/** Kong's answer to POST /config: entities by kind, then by id, secrets left out. */
export function servedEntities(ctx: AdminContext, entities: ConfigEntities): Record<string, Record<string, EntityRecord>> {
  const out: Record<string, Record<string, EntityRecord>> = {};
  for (const kind of KINDS) {
    const rows = entities[kind];
    if (rows.length === 0) continue;
    out[kind] = {};
    for (const row of rows) out[kind][row.id] = publicRecord(kind, toAdminRecord(kind, row), ctx.plugins);
  }
  return out;
}

async function postConfig(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  if (ctx.mode !== 'db-less' || ctx.replaceConfig === undefined) {
    throw new GatewayError('ADMIN_DB_MODE_ONLY_DBLESS', {
      detail: 'in database mode change entities through their endpoints, or use `portcullis config sync`',
    });
  }
  // ?flatten_errors=1 is accepted for Kong clients: `fields` is always flat here, one path per error.
  const doc = documentFrom(req.body);
  const audit = isMemoryAudit(ctx.audit) ? ctx.audit : undefined;
  const before = audit ? (await ctx.store.snapshot()).entities : undefined;
  let entities: ConfigEntities;
  try {
    entities = await ctx.replaceConfig(doc, req.actor);
  } catch (err) {
    throw asRefusal(err);
  }
  audit?.record({
    actor: { id: req.actor.id, name: req.actor.name },
    request_id: req.requestId,
    action: 'replace-config',
    kind: 'config',
    entity_id: null,
    ...configChangeImages(before, entities, ctx.plugins),
  });
  return { status: 201, body: servedEntities(ctx, entities) };
}

export const configRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/config',
    write: false,
    handle: getConfig,
    summary: 'the configuration as a declarative document (`?format=yaml`, `?select_tags=`), secrets left out',
  },
  {
    method: 'POST',
    pattern: '/config',
    write: true,
    handle: postConfig,
    modes: ['db-less'],
    summary: 'replace the whole configuration (DB-less only; 400 lists every error, the old one keeps serving)',
  },
];
