// docs/admin-api.md from the route table (`npm run docs`): one row per path with the role each method needs,
// what DB-less mode serves, and the routes' summaries. test/gateway/00-admin-api-docs.test.ts keeps the file
// fresh and checks the role and mode columns against a running server.
import type { AdminRole } from '../store/store.ts';
import type { AdminMethod, AdminRoute } from './admin-route.ts';
import { MAX_FORM_DEPTH, MAX_FORM_FIELDS } from './form-body.ts';
import { MAX_JSON_DEPTH } from './read-body.ts';
import { displayPath } from './match-route.ts';
import { allAdminRoutes } from './routes/index.ts';
import { DEFAULT_MAX_BODY_BYTES } from './server.ts';

const METHODS: readonly AdminMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface RouteAccess {
  role: AdminRole;
  database: boolean;
  dbLess: boolean;
}

/** What a route needs and where it works: the server's rule (writes need admin and a database), or the route's own. */
export function routeAccess(route: AdminRoute): RouteAccess {
  const role = route.role ?? (route.write ? 'admin' : 'read-only');
  const modes = route.modes ?? (route.write ? ['database'] : ['database', 'db-less']);
  return { role, database: modes.includes('database'), dbLess: modes.includes('db-less') };
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const HEADER = `# Admin API reference

Generated from the admin route table (\`src/admin/routes/\`) by \`npm run docs\`: do not edit by hand.

- **Address**: \`127.0.0.1:8001\` by default (\`--admin-listen\`, \`PORTCULLIS_ADMIN_LISTEN\`); keep it off public networks.
- **Tokens**: every request carries one, as \`Authorization: Bearer <token>\` or Kong's \`Kong-Admin-Token: <token>\`
  (401 without). A method marked **read-only** below takes any token; **admin** needs an admin token (403 otherwise).
- **DB-less mode** (\`portcullis start --config FILE\`): the file is the truth, so entity writes answer 405; the
  whole configuration changes with \`POST /config\`. Tokens come from the environment there, so \`/admin-tokens\` answers 405.
- **Paths and bodies** follow Kong 3.x: \`{service}\` and the like take an id or the key each row names; bodies are
  JSON or form-encoded; lists are paged with \`size\` (1-1000, default 100) and \`offset\`, and answer \`next\`.
  \`HEAD\` works wherever \`GET\` does. Refusals are \`application/problem+json\` with a \`code\` from [errors.md](errors.md).
- **Body limits**: a request body (JSON, form, or a \`POST /config\` document) is at most ${byteSize(DEFAULT_MAX_BODY_BYTES)} (413 \`ADMIN_BODY_TOO_LARGE\`,
  refused from \`Content-Length\` before it is read); a form body holds at most ${MAX_FORM_FIELDS} fields (400 \`ADMIN_MALFORMED_BODY\`;
  Kong reads 100 and drops the rest silently), each name nested at most ${MAX_FORM_DEPTH} levels deep (\`a.b[1].c\` is three); a JSON body nests at most ${MAX_JSON_DEPTH} levels.

`;

/** `1048576` -> `1 MiB`, as the limit reads best. */
function byteSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

export function renderAdminApiDoc(routes: readonly AdminRoute[] = allAdminRoutes()): string {
  const byPath = new Map<string, AdminRoute[]>();
  for (const route of routes) byPath.set(route.pattern, [...(byPath.get(route.pattern) ?? []), route]);
  const rows = [`| path | ${METHODS.join(' | ')} | DB-less | what |`, `| --- | ${METHODS.map(() => ':---:').join(' | ')} | --- | --- |`];
  for (const [pattern, list] of byPath) {
    const methods = METHODS.map((m) => {
      const route = list.find((r) => r.method === m);
      if (route === undefined) return '';
      const access = routeAccess(route);
      return access.database ? access.role : `${access.role} (DB-less only)`;
    });
    const inDbLess = list.filter((r) => routeAccess(r).dbLess);
    const dbLess = inDbLess.length === list.length ? 'yes' : inDbLess.length === 0 ? 'no' : `${inDbLess.map((r) => r.method).join(', ')} only`;
    const what = METHODS.flatMap((m) => list.filter((r) => r.method === m).map((r) => `**${m}** ${r.summary ?? ''}`.trim())).join(' · ');
    rows.push(`| \`${displayPath(pattern)}\` | ${methods.join(' | ')} | ${dbLess} | ${cell(what)} |`);
  }
  return `${HEADER}${rows.join('\n')}\n`;
}
