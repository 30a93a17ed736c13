// Kong features a declarative file may ask for that this gateway recognises but does not implement. Each is
// refused when the file loads, at the path of the field asking for it: a config we cannot honour never serves.
import { fieldPath, type FieldError } from '../../schema/validate.ts';
import { KONG_PROTOCOLS } from '../../schema/common.ts';
import type { RawRecord } from './flatten.ts';
import type { Kind } from '../../schema/entity-catalogue.ts';
import { isObjectNode } from '../../schema/object-node.ts';

type Report = (message: string, suffix?: string) => void;

interface Rule {
  /** Field inside the entity, dotted (`healthchecks.active.healthy.interval`). */
  field: string;
  /**
   * Runs on the raw value (before the schema fills defaults) and reports only values Kong itself accepts:
   * defaults are always the supported setting, and values Kong would reject are left to the schema's errors.
   */
  check(value: unknown, report: Report): void;
}

const SERVED_PROTOCOLS: readonly unknown[] = ['http', 'https', 'ws', 'wss'];
const OTHER_PROTOCOLS: readonly unknown[] = KONG_PROTOCOLS.filter((p) => !SERVED_PROTOCOLS.includes(p));
const OTHER_ALGORITHMS: readonly unknown[] = ['consistent-hashing', 'least-connections', 'latency', 'sticky-sessions'];
const HASH_INPUTS: readonly unknown[] = ['consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'];

const present = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
const positive = (v: unknown) => typeof v === 'number' && v > 0;

/** A field whose only supported value is null (or absent, or an empty list). */
function onlyNull(what: string): Rule['check'] {
  return (v, report) => {
    if (present(v)) report(`${what} is not supported yet by this gateway`);
  };
}

function hashInput(field: string): Rule {
  return {
    field,
    check: (v, report) => {
      if (HASH_INPUTS.includes(v))
        report(`${field} '${String(v)}' is not supported yet by this gateway: targets are picked by weighted round-robin (hash_on: none)`);
    },
  };
}

function activeProbe(state: 'healthy' | 'unhealthy'): Rule {
  const field = `healthchecks.active.${state}.interval`;
  return {
    field,
    check: (v, report) => {
      if (positive(v)) report(`active health checks are not supported yet by this gateway (${field} must be 0)`);
    },
  };
}

function circuitBreaker(counter: 'tcp_failures' | 'timeouts' | 'http_failures'): Rule {
  const field = `healthchecks.passive.unhealthy.${counter}`;
  return {
    field,
    check: (v, report) => {
      if (positive(v)) report(`passive health checks (circuit breaker) are not supported yet by this gateway (${field} must be 0)`);
    },
  };
}

const RULES: Partial<Record<Kind, readonly Rule[]>> = {
  services: [
    // Only HTTP(S) and WebSockets are proxied: a gRPC or stream service would be spoken to in the wrong protocol.
    {
      field: 'protocol',
      check: (v, report) => {
        if (OTHER_PROTOCOLS.includes(v)) report(`protocol '${String(v)}' is not supported yet by this gateway (only http, https, ws and wss)`);
      },
    },
    // Upstream certificates are always verified against the system trust store; skipping that cannot be honoured.
    // (true and null both mean "verify" here; in Kong null defers to nginx, which does not verify by default.)
    {
      field: 'tls_verify',
      check: (v, report) => {
        if (v === false) report('tls_verify: false is not supported yet by this gateway: upstream certificates are always verified');
      },
    },
    { field: 'tls_verify_depth', check: onlyNull('tls_verify_depth (a maximum certificate chain depth)') },
    { field: 'client_certificate', check: onlyNull('client_certificate (mutual TLS to the upstream)') },
    { field: 'ca_certificates', check: onlyNull('ca_certificates (a trust store per service)') },
  ],
  routes: [
    {
      field: 'protocols',
      check: (v, report) => {
        if (!Array.isArray(v)) return;
        v.forEach((p, i) => {
          if (OTHER_PROTOCOLS.includes(p)) report(`protocol '${String(p)}' is not supported yet by this gateway (only http, https, ws and wss)`, `[${i}]`);
        });
      },
    },
    // Stream routing (tcp/tls/udp) matches on the connection's addresses; HTTP routes here never look at them.
    { field: 'sources', check: onlyNull('sources (stream routing)') },
    { field: 'destinations', check: onlyNull('destinations (stream routing)') },
  ],
  upstreams: [
    {
      field: 'algorithm',
      check: (v, report) => {
        if (OTHER_ALGORITHMS.includes(v)) report(`algorithm '${String(v)}' is not supported yet by this gateway (only round-robin)`);
      },
    },
    hashInput('hash_on'),
    hashInput('hash_fallback'),
    // Nothing probes targets or counts their failures: every target stays in rotation whatever it answers.
    activeProbe('healthy'),
    activeProbe('unhealthy'),
    circuitBreaker('tcp_failures'),
    circuitBreaker('timeouts'),
    circuitBreaker('http_failures'),
    // Targets are resolved as A/AAAA names; SRV records (and so their names) are never looked up.
    {
      field: 'use_srv_name',
      check: (v, report) => {
        if (v === true) report('use_srv_name is not supported yet by this gateway: SRV records are not resolved');
      },
    },
    { field: 'client_certificate', check: onlyNull('client_certificate (mutual TLS to targets)') },
  ],
  plugins: [
    // Kong Enterprise's dynamic ordering: plugins here always run in priority order.
    {
      field: 'ordering',
      check: (v, report) => {
        if (v === null || typeof v !== 'object') return;
        const lists = Object.values(v).flatMap((phases: unknown): unknown[] => (isObjectNode(phases) ? Object.values(phases) : []));
        if (lists.some(present)) report('ordering (dynamic plugin ordering) is not supported yet by this gateway: plugins run in priority order');
      },
    },
  ],
};

/** Errors for one entity's raw fields (after `url` expansion, before the schema). */
export function unsupportedFeatures(kind: Kind, fields: Record<string, unknown>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const rule of RULES[kind] ?? []) {
    const value = rule.field.split('.').reduce<unknown>((v, key) => (isObjectNode(v) ? v[key] : undefined), fields);
    if (value === undefined) continue;
    rule.check(value, (message, suffix = '') => errors.push({ path: `${fieldPath(path, rule.field)}${suffix}`, message }));
  }
  return errors;
}

/** Exports stamp each entity with its workspace: entities from two workspaces would be merged into one here. */
export function unsupportedWorkspaces(records: readonly RawRecord[]): FieldError[] {
  let first: RawRecord | undefined;
  const errors: FieldError[] = [];
  for (const record of records) {
    const ws = record.fields.ws_id;
    if (typeof ws !== 'string') continue;
    if (!first) first = record;
    else if (ws !== first.fields.ws_id) {
      errors.push({
        path: `${record.path}.ws_id`,
        message: `entities from more than one workspace are not supported yet by this gateway (${first.path} is in workspace ${String(first.fields.ws_id)})`,
      });
    }
  }
  return errors;
}

/** True when a schema error sits at or under a path already refused as unsupported (one error per cause). */
export function coveredBy(refused: readonly FieldError[], path: string): boolean {
  return refused.some((e) => path === e.path || path.startsWith(`${e.path}.`) || path.startsWith(`${e.path}[`));
}
