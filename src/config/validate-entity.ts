// One entity's own fields checked and normalised, the same way for a declarative file and an admin API write:
// `url` expansion, Kong's unset nulls, generated credentials, unsupported features, the schema with its
// defaults, the plugin's own config schema and the route's cross-field rule. References are resolved by callers.
import { unstorableText } from '../schema/storable-text.ts';
import { applySchema, fieldPath, type FieldError } from '../schema/validate.ts';
import { fits, misfit } from '../schema/fits.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { ENTITIES, type Kind } from '../schema/entity-catalogue.ts';
import { expandServiceUrl } from './declarative/service-url.ts';
import { identityErrors } from '../schema/identity-fields.ts';
import { defaultServicePort } from '../schema/entities/service.ts';
import { canonicalIpv4, canonicalTarget } from './canonical-host.ts';
import { dropUnsetNulls } from '../schema/unset-nulls.ts';
import { coveredBy, unsupportedFeatures } from './declarative/unsupported-features.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { normalizePath } from '../gateway/path/normalize.ts';
import { compileUserRegex } from '../gateway/router/compile-regex.ts';
import { compileHeaders } from '../gateway/router/match-headers.ts';
import { compileHosts } from '../gateway/router/match-host.ts';

export interface EntityCheckOptions {
  /** Where the entity sits, errors are reported under it: `services[0]` in a file, '' for an admin API body. */
  path: string;
  plugins: PluginRegistry;
  /**
   * How a plugin is scoped to a consumer, if it is: by its `consumer` field, or by being nested under a
   * consumer in a file (the error then names the plugin itself). Foreign keys are taken out of `fields`
   * before this runs, so the caller says.
   */
  consumerScope?: 'field' | 'nested';
  /**
   * Generate the credential values Kong generates when absent (keyauth `key`, jwt `key` and `secret`).
   * False for a partial update, where an absent secret keeps its stored value.
   */
  generate?: boolean;
}

/**
 * Checks `fields` (foreign keys already removed) in place: expands, fills defaults, and returns every error.
 * When it returns none, `fields` is the normalised entity (services have a port). Routes still need
 * checkRouteRules (the loader runs it after references resolve, so a plugin on such a route is not orphaned).
 */
export function validateEntityFields(kind: Kind, fields: Record<string, unknown>, options: EntityCheckOptions): FieldError[] {
  const { path } = options;
  const errors: FieldError[] = unstorableText(fields, path);
  if (errors.length > 0) return errors;
  if (kind === 'services') expandServiceUrl(fields, path, errors);
  const definition = ENTITIES[kind];
  dropUnsetNulls(definition.schema, fields);
  if (options.generate !== false) definition.generate?.(fields);
  const refused = unsupportedFeatures(kind, fields, path);
  // A `url` refused above leaves `host` unset: "host: required" would be a second, misleading error for one mistake.
  const urlRefused = kind === 'services' && errors.some((e) => e.path === fieldPath(path, 'url'));
  errors.push(
    ...refused,
    ...applySchema(definition.schema, fields, path).filter((e) => !coveredBy(refused, e.path) && !(urlRefused && e.path === fieldPath(path, 'host'))),
  );
  pushUnreported(errors, identityErrors(kind, fields, path));
  // A hashed secret the kind does not generate (a password) is Kong's `required`: a whole write must give it,
  // or the hash a dump carries; a partial update keeps the stored one.
  const hashed = definition.hashed;
  if (
    hashed !== undefined &&
    definition.generate === undefined &&
    options.generate !== false &&
    fields[hashed.field] === undefined &&
    fields[hashed.stored] === undefined
  ) {
    errors.push({ path: fieldPath(path, hashed.field), message: 'required field missing' });
  }
  // rules across fields run even when a field failed, as Kong's entity checks do, but never repeat its error
  pushUnreported(errors, definition.check?.(fields, path) ?? []);
  if (kind === 'plugins') validatePluginConfig(fields, options, errors);
  if (errors.length === 0) canonicalHosts(kind, fields, path, errors);
  if (errors.length > 0) return errors;
  if (kind === 'services' && fields.port === undefined) fields.port = defaultServicePort(fields.protocol);
  return errors;
}

/** Adds the errors of `more` at paths `errors` has none at: one mistake is reported once, by the first check. */
function pushUnreported(errors: FieldError[], more: readonly FieldError[]): void {
  errors.push(...more.filter((e) => !errors.some((found) => found.path === e.path)));
}

/**
 * Hosts that are IPv4 addresses in another form (`2852039166`, `0x7f.1`) become dotted quads (canonical-host.ts);
 * target ports are 1-65535; an upstream name is a hostname, never an address (Kong: "no ip addresses allowed").
 */
function canonicalHosts(kind: Kind, fields: Record<string, unknown>, path: string, errors: FieldError[]): void {
  if (kind === 'targets' && typeof fields.target === 'string') {
    const found = canonicalTarget(fields.target);
    if ('error' in found) errors.push({ path: fieldPath(path, 'target'), message: found.error });
    else fields.target = found.target;
  }
  if (kind === 'services' && typeof fields.host === 'string') {
    const v4 = canonicalIpv4(fields.host);
    if (v4 === null) errors.push({ path: fieldPath(path, 'host'), message: `invalid value '${fields.host}': not a valid hostname or IP address` });
    else if (v4 !== undefined) fields.host = v4;
  }
  if (kind === 'upstreams' && typeof fields.name === 'string' && canonicalIpv4(fields.name) !== undefined) {
    errors.push({ path: fieldPath(path, 'name'), message: 'Invalid name; no ip addresses allowed' });
  }
}

/** The plugin must be installed, may not sit on a consumer when it picks the consumer, and its config must fit its schema. */
function validatePluginConfig(fields: Record<string, unknown>, options: EntityCheckOptions, errors: FieldError[]): void {
  const { path, plugins } = options;
  if (typeof fields.name !== 'string') return;
  const module = plugins.get(fields.name);
  if (!module) {
    errors.push({ path: fieldPath(path, 'name'), message: `plugin '${fields.name}' not enabled; available: ${[...plugins.keys()].sort().join(', ')}` });
    return;
  }
  if (module.noConsumer && options.consumerScope !== undefined) {
    const at = options.consumerScope === 'nested' ? entityPath(path) : fieldPath(path, 'consumer');
    errors.push({ path: at, message: `plugin '${fields.name}' cannot be configured on a consumer` });
  }
  fields.config ??= {};
  const config: unknown = fields.config;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    errors.push({ path: fieldPath(path, 'config'), message: 'expected an object' });
    return;
  }
  const configErrors = applySchema(module.configSchema, config, fieldPath(path, 'config'));
  errors.push(...configErrors);
  if (configErrors.length > 0 || !module.validate) return;
  // what the schema accepted (defaults applied) is the schema's type: the plugin's own rules get it typed
  if (!fits(module.configSchema, config)) {
    errors.push({ path: fieldPath(path, 'config'), message: misfit(module.configSchema, config) });
    return;
  }
  for (const [field, message] of Object.entries(module.validate(config))) errors.push({ path: fieldPath(path, field), message });
}

/** Kong's route rules: something to match on, and paths, hosts and header values the router can use. */
export function checkRouteRules(route: Record<string, unknown>, path: string): FieldError[] {
  const errors = [...routePathErrors(route.paths, path), ...routeHostErrors(route.hosts, path), ...routeHeaderErrors(route.headers, path)];
  const has = (f: string) => {
    const x = route[f];
    return x !== null && x !== undefined && (Array.isArray(x) ? x.length > 0 : Object.keys(x).length > 0);
  };
  if (!['methods', 'hosts', 'headers', 'paths', 'snis'].some(has)) {
    errors.push({ path: entityPath(path), message: "must set at least one of 'methods', 'hosts', 'headers', 'paths' or 'snis'" });
  }
  return errors;
}

/*
 * Each of paths, hosts and header values is checked one at a time with the router's own compilers
 * (compile-route.ts), so whatever the router would refuse is an error at its own field (`paths[1]`,
 * `hosts[0]`, `headers.x[1]`), as Kong's schema reports it, not only a whole-config build failure naming the
 * route. (`sources` / `destinations`, the router's other refusal, are refused as unsupported features.)
 */

/** A regex JavaScript cannot run, or a prefix the request normaliser refuses. */
function routePathErrors(paths: unknown, path: string): FieldError[] {
  if (!Array.isArray(paths)) return [];
  const errors: FieldError[] = [];
  paths.forEach((p: unknown, i) => {
    if (typeof p !== 'string') return;
    const at = `${fieldPath(path, 'paths')}[${i}]`;
    try {
      if (p.startsWith('~')) compileUserRegex(p.slice(1), '', '', 'path', true);
      else normalizePath(p);
    } catch (err) {
      const why = err instanceof GatewayError ? `cannot be normalised: ${err.detail}` : routerMessage(err);
      errors.push({ path: at, message: why });
    }
  });
  return errors;
}

/** A `*` anywhere but as the whole leftmost or rightmost label (`a.*.com`), which the schema's pattern lets by. */
function routeHostErrors(hosts: unknown, path: string): FieldError[] {
  if (!Array.isArray(hosts)) return [];
  const errors: FieldError[] = [];
  hosts.forEach((h: unknown, i) => {
    if (typeof h !== 'string') return;
    try {
      compileHosts([h], '');
    } catch (err) {
      errors.push({ path: `${fieldPath(path, 'hosts')}[${i}]`, message: routerMessage(err) });
    }
  });
  return errors;
}

/** A `~*` value whose regex JavaScript cannot run. */
function routeHeaderErrors(headers: unknown, path: string): FieldError[] {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return [];
  const errors: FieldError[] = [];
  for (const [name, values] of Object.entries(headers)) {
    if (!Array.isArray(values)) continue;
    values.forEach((v: unknown, i) => {
      if (typeof v !== 'string') return;
      try {
        compileHeaders({ [name]: [v] }, '');
      } catch (err) {
        errors.push({ path: `${fieldPath(path, 'headers')}.${name}[${i}]`, message: routerMessage(err) });
      }
    });
  }
  return errors;
}

/** The router names the route ('route : …', no id here); the field path says where instead. */
function routerMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^route [^:]*: /, '');
}

/** Where an error about the entity as a whole goes: its own path, or Kong's `@entity` in an admin body. */
function entityPath(path: string): string {
  return path === '' ? '@entity' : path;
}
