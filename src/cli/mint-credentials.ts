// Where `token mint` finds a consumer's jwt credential and the jwt plugins' `maximum_expiration`: a declarative
// file read without the plugin registry (shape only, so a mint answers in a fraction of a second), or the
// database snapshot, secrets unsealed with the node's keys.
import { readDeclarativeFile } from '../config/declarative/parse-file.ts';
import { flattenDeclarative, type RawRecord } from '../config/declarative/flatten.ts';
import { fieldOf } from '../schema/object-node.ts';
import type { ConfigEntities } from '../schema/entity-catalogue.ts';

export interface MintConsumer {
  ref: unknown;
  id?: string;
  username?: string;
  custom_id?: string;
}

export interface MintCredential {
  consumer: MintConsumer;
  key: string;
  algorithm: string;
  secret?: string;
}

export interface MintLimit {
  /** Seconds a token may live (the jwt plugin's maximum_expiration). */
  seconds: number;
  /** The plugin, in words: `jwt plugin on route orders`. */
  where: string;
}

export interface MintSource {
  /** What was read: a file path or `the database`. */
  from: string;
  consumers: MintConsumer[];
  credentials: MintCredential[];
  limits: MintLimit[];
}

export function findConsumer(source: MintSource, who: string): MintConsumer | undefined {
  return source.consumers.find((c) => c.username === who) ?? source.consumers.find((c) => c.custom_id === who || c.id === who);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function mintSourceFromFile(file: string): Promise<MintSource> {
  const { records } = flattenDeclarative(await readDeclarativeFile(file));
  const consumers = new Map<RawRecord, MintConsumer>();
  for (const r of records) {
    if (r.kind === 'consumers') consumers.set(r, { ref: r, id: str(r.fields.id), username: str(r.fields.username), custom_id: str(r.fields.custom_id) });
  }
  const byRef = (ref: unknown): MintConsumer | undefined => {
    const name = str(ref) ?? str(fieldOf(ref, 'id')) ?? str(fieldOf(ref, 'username'));
    return name === undefined ? undefined : [...consumers.values()].find((c) => c.id === name || c.username === name);
  };
  const credentials: MintCredential[] = [];
  const limits: MintLimit[] = [];
  for (const r of records) {
    if (r.kind === 'jwt_secrets') {
      const consumer = r.parent?.kind === 'consumers' ? consumers.get(r.parent) : byRef(r.fields.consumer);
      const key = str(r.fields.key);
      if (consumer && key) credentials.push({ consumer, key, algorithm: str(r.fields.algorithm) ?? 'HS256', secret: str(r.fields.secret) });
    }
    if (r.kind === 'plugins' && r.fields.name === 'jwt' && r.fields.enabled !== false) {
      const max = fieldOf(r.fields.config, 'maximum_expiration');
      if (typeof max === 'number' && max > 0) {
        const parent = r.parent ? `${r.parent.kind.slice(0, -1)} ${str(r.parent.fields.name) ?? str(r.parent.fields.username) ?? r.parent.path}` : 'global';
        limits.push({ seconds: max, where: `jwt plugin (${parent}) at ${r.path}.config.maximum_expiration` });
      }
    }
  }
  return { from: file, consumers: [...consumers.values()], credentials, limits };
}

export function mintSourceFromEntities(entities: ConfigEntities): MintSource {
  const consumers = new Map<string, MintConsumer>(
    entities.consumers.map((c) => [c.id, { ref: c, id: c.id, username: c.username ?? undefined, custom_id: c.custom_id ?? undefined }]),
  );
  const credentials: MintCredential[] = [];
  for (const s of entities.jwt_secrets) {
    const consumer = consumers.get(s.consumerId);
    if (consumer && s.key !== undefined) credentials.push({ consumer, key: s.key, algorithm: s.algorithm, secret: s.secret ?? undefined });
  }
  const names = (list: readonly { id: string; name?: string | null }[], id: string | null) =>
    id === null ? undefined : (list.find((x) => x.id === id)?.name ?? id);
  const limits: MintLimit[] = [];
  for (const p of entities.plugins) {
    if (p.name !== 'jwt' || !p.enabled) continue;
    const max = fieldOf(p.config, 'maximum_expiration');
    if (typeof max !== 'number' || max <= 0) continue;
    const scope =
      [
        p.serviceId && `service ${names(entities.services, p.serviceId)}`,
        p.routeId && `route ${names(entities.routes, p.routeId)}`,
        p.consumerId && `consumer ${consumers.get(p.consumerId)?.username ?? p.consumerId}`,
      ]
        .filter(Boolean)
        .join(', ') || 'global';
    limits.push({ seconds: max, where: `jwt plugin (${scope}) ${p.id}` });
  }
  return { from: 'the database', consumers: [...consumers.values()], credentials, limits };
}
