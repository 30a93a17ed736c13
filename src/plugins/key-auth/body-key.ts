// key_in_body: the request body as Kong's key-auth sees it (kong.request.get_body): form, JSON or
// multipart fields by name, and the body without the key for hide_credentials (other fields keep their bytes).
import type { RequestContext } from '../../gateway/context.ts';
import { bodyFormat } from '../../gateway/body/media-type.ts';
import { UrlPairs } from '../../gateway/body/url-pairs.ts';
import { MultipartBody } from '../../gateway/body/multipart.ts';

/** Several values under one name (or a JSON array or object): Kong refuses rather than guess. */
export const DUPLICATE_KEY = Symbol('duplicate API key');

export interface BodyFields {
  /** Kong's `body[name]`: the string, DUPLICATE_KEY for a list or object, undefined for anything else. */
  lookup(name: string): string | typeof DUPLICATE_KEY | undefined;
  /** Removes `name` from the body the upstream receives (hide_credentials). */
  hide(name: string): void;
}

/**
 * Reads and parses the body; null when it has no fields to offer (another content type, malformed JSON
 * or multipart: Kong logs and treats those as empty). Too large a body is refused with 413 by readBody.
 */
export async function readBodyFields(ctx: RequestContext): Promise<BodyFields | null> {
  const contentType = ctx.header('content-type');
  const format = bodyFormat(contentType);
  if (format === null) return null;
  const body = await ctx.readBody();
  if (format === 'form') return formFields(ctx, body);
  if (format === 'json') return jsonFields(ctx, body);
  if (contentType === undefined) return null; // bodyFormat() found none for a missing content type
  const multipart = MultipartBody.parse(body, contentType);
  return multipart === null ? null : multipartFields(ctx, multipart, contentType);
}

function formFields(ctx: RequestContext, body: Buffer): BodyFields {
  const pairs = UrlPairs.parse(body.toString('utf8'));
  return {
    lookup(name) {
      const all = pairs.getAll(name);
      if (all.length > 1) return DUPLICATE_KEY;
      return typeof all[0] === 'string' ? all[0] : undefined;
    },
    hide(name) {
      if (pairs.remove(name)) ctx.setBody(pairs.toString());
    },
  };
}

function jsonFields(ctx: RequestContext, body: Buffer): BodyFields | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const object = Array.isArray(parsed) ? null : (parsed as Record<string, unknown>);
  return {
    lookup(name) {
      if (object === null || !Object.hasOwn(object, name)) return undefined;
      const value = object[name];
      if (typeof value === 'string') return value;
      return value !== null && typeof value === 'object' ? DUPLICATE_KEY : undefined;
    },
    hide(name) {
      if (object === null || !Object.hasOwn(object, name)) return;
      Reflect.deleteProperty(object, name);
      ctx.setBody(JSON.stringify(object));
    },
  };
}

function multipartFields(ctx: RequestContext, multipart: MultipartBody, contentType: string): BodyFields {
  return {
    lookup(name) {
      const parts = multipart.named(name);
      if (parts.length > 1) return DUPLICATE_KEY;
      return parts.length === 1 ? parts.at(0)?.value.toString('utf8') : undefined;
    },
    hide(name) {
      if (!multipart.remove(name)) return;
      ctx.setBody(multipart.serialize());
      ctx.headers['content-type'] = multipart.contentType(contentType);
    },
  };
}
