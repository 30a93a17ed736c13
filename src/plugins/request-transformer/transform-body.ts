// request-transformer on the body, as Kong's access.lua: JSON, form and multipart fields removed,
// renamed, replaced, added and appended (multipart: no append). A body it cannot parse goes on untouched.
import { bodyFormat } from '../../gateway/body/media-type.ts';
import { UrlPairs } from '../../gateway/body/url-pairs.ts';
import { MultipartBody } from '../../gateway/body/multipart.ts';
import type { TemplateEnv } from './template.ts';
import type { Entry, Steps } from './compile.ts';

export interface NewBody {
  body: Buffer | string;
  /** Set when the Content-Type must change with it (a new multipart boundary). */
  contentType?: string;
}

/** The transformed body, or null to leave it as it is (nothing to do, or a body that does not parse). */
export function transformBody(steps: Steps<Entry>, contentType: string | undefined, body: Buffer, env: TemplateEnv): NewBody | null {
  switch (bodyFormat(contentType)) {
    case 'json':
      return json(steps, body, env);
    case 'form':
      return form(steps, body, env);
    case 'multipart':
      return contentType === undefined ? null : multipart(steps, body, contentType, env);
    default:
      return null;
  }
}

function json(steps: Steps<Entry>, body: Buffer, env: TemplateEnv): NewBody | null {
  let params: Record<string, unknown> = {};
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    params = parsed as Record<string, unknown>;
  }
  // Lua truthiness: only an absent field or `false` counts as not there (JSON null is cjson.null, truthy).
  const present = (name: string) => Object.hasOwn(params, name) && params[name] !== false;
  let changed = false;
  if (body.length > 0) {
    for (const name of steps.remove) {
      Reflect.deleteProperty(params, name);
      changed = true;
    }
    for (const { from, to } of steps.rename) {
      if (from === to || !present(from)) continue;
      params[to] = params[from];
      Reflect.deleteProperty(params, from);
      changed = true;
    }
    for (const { name, value } of steps.replace) {
      if (!present(name)) continue;
      params[name] = value.render(env);
      changed = true;
    }
  }
  for (const { name, value } of steps.add) {
    if (present(name)) continue;
    params[name] = value.render(env);
    changed = true;
  }
  for (const { name, value } of steps.append) {
    const old = params[name];
    const v = value.render(env);
    if (typeof old === 'string') params[name] = [old, v];
    else if (Array.isArray(old)) {
      const items: readonly unknown[] = old;
      params[name] = [...items, v];
    } else params[name] = [v];
    changed = true;
  }
  return changed ? { body: JSON.stringify(params) } : null;
}

function form(steps: Steps<Entry>, body: Buffer, env: TemplateEnv): NewBody | null {
  const pairs = UrlPairs.parse(body.toString('utf8'));
  let changed = false;
  if (body.length > 0) {
    for (const name of steps.remove) changed = pairs.remove(name) || changed;
    for (const { from, to } of steps.rename) changed = pairs.rename(from, to) || changed;
    for (const { name, value } of steps.replace) changed = pairs.replace(name, value.render(env)) || changed;
  }
  for (const { name, value } of steps.add) {
    if (pairs.has(name)) continue;
    pairs.append(name, value.render(env));
    changed = true;
  }
  for (const { name, value } of steps.append) {
    pairs.append(name, value.render(env));
    changed = true;
  }
  return changed ? { body: pairs.toString() } : null;
}

function multipart(steps: Steps<Entry>, body: Buffer, contentType: string, env: TemplateEnv): NewBody | null {
  const parts = MultipartBody.parse(body, contentType);
  if (parts === null) return null;
  let changed = false;
  if (body.length > 0) {
    // Kong's order for multipart: rename first, then remove, replace.
    for (const { from, to } of steps.rename) {
      const first = parts.named(from).at(0);
      if (first === undefined || from === to) continue;
      parts.remove(from);
      parts.set(to, first.value.toString('utf8'));
      changed = true;
    }
    for (const name of steps.remove) changed = parts.remove(name) || changed;
    for (const { name, value } of steps.replace) {
      if (!parts.has(name)) continue;
      parts.set(name, value.render(env));
      changed = true;
    }
  }
  for (const { name, value } of steps.add) {
    if (parts.has(name)) continue;
    parts.set(name, value.render(env));
    changed = true;
  }
  if (!changed) return null;
  const out = parts.serialize();
  return { body: out, contentType: parts.contentType(contentType) };
}
