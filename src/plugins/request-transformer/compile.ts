// request-transformer's config, compiled once per plugin instance: `name:value` entries split and their
// templates compiled, header names in lower case, and what a request needs (templates, a body read).
import type { RequestContext } from '../../gateway/context.ts';
import { UrlPairs } from '../../gateway/body/url-pairs.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { compileTemplate, type Template, type TemplateEnv } from './template.ts';
import { splitPair } from '../name-value-pair.ts';
import type { RequestTransformerConfig } from './schema.ts';

export interface Entry {
  name: string;
  value: Template;
}

export interface Rename {
  from: string;
  to: string;
}

export interface Steps<T> {
  remove: string[];
  rename: Rename[];
  replace: T[];
  add: T[];
  append: T[];
}

export interface CompiledTransformer {
  method: string | null;
  uri: Template | null;
  headers: Steps<Entry>;
  query: Steps<Entry>;
  body: Steps<Entry>;
  /** Some value is a template: snapshot the request before changing it. */
  templated: boolean;
  hasQuery: boolean;
  hasBody: boolean;
  /** The access phase may have to read the body (body steps, or a form body moved into the query). */
  mayReadBody: boolean;
}

export function compileTransformer(config: RequestTransformerConfig): CompiledTransformer {
  const entries = (list: string[], lower = false): Entry[] =>
    list.map((e) => {
      const [name, value] = splitPair(e);
      return { name: lower ? name.toLowerCase() : name, value: compileTemplate(value) };
    });
  const renames = (list: string[], lower = false): Rename[] =>
    list.map((e) => {
      const [from, to] = splitPair(e);
      return lower ? { from: from.toLowerCase(), to: to.toLowerCase() } : { from, to };
    });
  const steps = (part: 'headers' | 'querystring' | 'body'): Steps<Entry> => {
    const lower = part === 'headers';
    return {
      remove: lower ? config.remove[part].map((n) => n.toLowerCase()) : [...config.remove[part]],
      rename: renames(config.rename[part], lower),
      replace: entries(config.replace[part], lower),
      add: entries(config.add[part], lower),
      append: entries(config.append[part], lower),
    };
  };
  const headers = steps('headers');
  const query = steps('querystring');
  const body = steps('body');
  const uri = config.replace.uri === null ? null : compileTemplate(config.replace.uri);
  const count = (s: Steps<Entry>) => s.remove.length + s.rename.length + s.replace.length + s.add.length + s.append.length;
  const values = [headers, query, body].flatMap((s) => [...s.replace, ...s.add, ...s.append]);
  const method = config.http_method;
  return {
    method,
    uri,
    headers,
    query,
    body,
    templated: (uri?.dynamic ?? false) || values.some((e) => e.value.dynamic),
    hasQuery: count(query) > 0,
    hasBody: count(body) > 0,
    mayReadBody: count(body) > 0 || method === 'GET' || method === 'HEAD' || method === 'TRACE',
  };
}

const NO_ENV: TemplateEnv = { header: () => undefined, query: () => undefined, capture: () => undefined, shared: () => undefined };

/** The request as templates see it: as it arrived at this plugin, before any of its changes (as Kong). */
export function templateEnv(ctx: RequestContext, templated: boolean): TemplateEnv {
  if (!templated) return NO_ENV;
  const headers = { ...ctx.headers };
  const query = UrlPairs.parse(ctx.querystring);
  const captures = ctx.uriCaptures;
  const shared = ctx.shared;
  return {
    // nginx's header table: case-insensitive, and `_` stands for `-` (`headers.x_foo` is X-Foo).
    header: (name) => {
      const v = headers[name.toLowerCase().replace(/_/g, '-')];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    query: (name) => {
      const v = query.getAll(name).at(0);
      return v === undefined ? undefined : v === true ? '' : v;
    },
    capture: (name) => captures[name],
    shared: (name) => {
      const v = shared[name];
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    },
  };
}

/** A rendered header value the upstream request can carry (a query parameter may decode to anything). */
export function headerValue(value: string, name: string): string {
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
    throw new GatewayError('BAD_REQUEST', { detail: `the value rendered for header ${name} is not a valid header value` });
  return value;
}
