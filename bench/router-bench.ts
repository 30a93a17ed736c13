// Micro-benchmark (not a test): router lookups/s for 10, 100 and 1000 routes, path normalisation, and the
// other per-request checks before routing (Host parsing, client header scrub), and Kong's headers the gateway adds.
// Run: ./node_modules/.bin/node bench/router-bench.ts
import { buildRouter } from '../src/gateway/router/build-router.ts';
import { route } from '../src/gateway/router/fixtures.test-helper.ts';
import type { RouteRequest, RouterRoute } from '../src/gateway/router/types.ts';
import { normalizeRequestTarget } from '../src/gateway/path/normalize.ts';
import { parseHostHeader } from '../src/gateway/host-header.ts';
import { createClientHeaderScrub } from '../src/gateway/hop-by-hop.ts';
import { DEFAULT_KONG_HEADERS, parseKongHeaders, stampResponse, stampUpstreamRequest } from '../src/gateway/kong-headers.ts';
import { nextRequestId } from '../src/http/request-id.ts';

const DURATION_MS = 400;

/** A config shaped like real ones: one prefix per service, some with hosts/methods, a few regexes. */
function routesOf(n: number): RouterRoute[] {
  const routes: RouterRoute[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    routes.push(
      route({
        name: `r${i}`,
        paths: kind === 9 ? [`~/svc${i}/items/(?<id>\\d+)$`] : kind < 5 ? [`/svc${i}/`] : [`/svc${i}`],
        hosts: kind === 3 ? [`svc${i}.example.com`] : kind === 4 ? ['*.example.com'] : null,
        methods: kind === 7 ? ['GET', 'POST'] : null,
        headers: kind === 8 ? { 'x-version': ['v1', 'v2'] } : null,
      }),
    );
  }
  return routes;
}

function requestsOf(n: number): RouteRequest[] {
  const reqs: RouteRequest[] = [];
  for (let k = 0; k < 1024; k++) {
    const i = (k * 7919) % n;
    const miss = k % 8 === 0;
    const path = miss ? `/nowhere/${k}` : i % 10 === 9 ? `/svc${i}/items/${k}` : `/svc${i}/orders/${k}`;
    reqs.push({
      method: 'GET',
      host: i % 10 === 3 ? `svc${i}.example.com` : 'api.example.com',
      port: 8000,
      path,
      headers: { 'x-version': 'v2', accept: 'application/json' },
      scheme: 'http',
    });
  }
  return reqs;
}

/** The `i`th of a list the bench built itself (so the index is always in range). */
function nth<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`bench list has no item ${i}`);
  return item;
}

function measure(label: string, fn: (i: number) => unknown): void {
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += fn(i) ? 1 : 0; // warm-up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < DURATION_MS) {
    for (let i = 0; i < 1000; i++) sink += fn(ops + i) ? 1 : 0;
    ops += 1000;
    elapsed = performance.now() - start;
  }
  const perSec = Math.round((ops / elapsed) * 1000);
  console.log(`${label.padEnd(44)} ${perSec.toLocaleString('en-US').padStart(12)} /s  (${((elapsed * 1e6) / ops).toFixed(0)} ns/op)${sink < 0 ? '' : ''}`);
}

for (const n of [10, 100, 1000]) {
  const routes = routesOf(n);
  const reqs = requestsOf(n);
  const indexed = buildRouter(routes);
  const linear = buildRouter(routes, { index: false });
  measure(`router, ${n} routes (indexed)`, (i) => indexed.find(nth(reqs, i & 1023)).kind === 'match');
  measure(`router, ${n} routes (plain scan)`, (i) => linear.find(nth(reqs, i & 1023)).kind === 'match');
}

const targets = ['/svc12/orders/123?x=1', '/api/v1/users/42', '/a/%2e%2e/b//c/%7euser?q', '/caf%c3%a9/./x/../y'];
measure('normalize, canonical paths (fast path)', (i) => normalizeRequestTarget(nth(targets, i & 1)).path);
measure('normalize, paths needing work (slow path)', (i) => normalizeRequestTarget(nth(targets, 2 + (i & 1))).path);

const hosts = ['api.example.com:8000', 'API.Example.com', '127.0.0.1:8080', '[::1]:8000'];
measure('Host header check and split', (i) => parseHostHeader(hosts[i & 3], 80).host);
const scrub = createClientHeaderScrub(['x-user-id']);
// a fresh object each time, as a request has (`connection` here, as on most requests, makes the scrub copy it)
measure('client header scrub, 7 ordinary headers', () =>
  scrub({
    host: 'api.example.com',
    'user-agent': 'curl/8.5.0',
    accept: '*/*',
    authorization: 'Bearer a.b.c',
    connection: 'keep-alive',
    'content-type': 'application/json',
    'x-request-id': 'r1',
  }),
);

// Kong's headers with Kong's defaults, per proxied request: the request id, Via and X-Kong-Request-Id upstream,
// then the response stamp (latencies, Via, request id). `headers = off` for comparison.
const OFF = parseKongHeaders('off', 'off');
for (const [label, settings] of [
  ['defaults', DEFAULT_KONG_HEADERS],
  ['off', OFF],
] as const) {
  measure(`Kong headers, proxied request (${label})`, () => {
    const id = nextRequestId();
    const upstream: Record<string, string> = { host: 'api.example.com', accept: '*/*' };
    stampUpstreamRequest(upstream, '1.1', id, settings);
    const head = { status: 200, headers: { 'content-type': 'application/json', server: 'nginx' } as Record<string, string | string[]> };
    const startedAt = performance.now();
    stampResponse({ id, startedAt, kongHeaders: settings, proxiedAt: performance.now() }, head);
    return head.headers.via;
  });
}
