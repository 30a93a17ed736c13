// What `portcullis start` prints once it serves: the demo's next steps (what runs where, curl lines for each
// outcome) and, in every mode, the admin API's address, its token when this start made one, and curl lines.

export interface AdminBannerInfo {
  /** `http://127.0.0.1:8001` */
  url: string;
  mode: 'database' | 'db-less';
  /** Where the truth lives: `PGlite in ./data`, `PostgreSQL`, or the config file. */
  storage: string;
  /** A token made by this start: printed once, never logged. */
  token?: string;
  /** Why there is (or is not) a token to show. */
  tokenSource: 'first-start' | 'generated' | 'env' | 'existing';
}

/** Where the example services listen: the demo file's ports unless `--demo-ports` says otherwise. */
export interface DemoPorts {
  users: number;
  orders: number;
}
export const DEMO_PORTS: Readonly<DemoPorts> = { users: 3001, orders: 3002 };

export function demoBanner(port: number, services: DemoPorts = DEMO_PORTS, admin?: AdminBannerInfo): string {
  const gw = `http://127.0.0.1:${port}`;
  const mint = (who: string) => `$(npm run -s portcullis -- token mint ${who})`;
  return `
Portcullis is up (demo configuration: examples/demo/portcullis.yaml)

  gateway (proxy)   ${gw}
  users service     http://127.0.0.1:${services.users}   behind ${gw}/api/users
  orders service    http://127.0.0.1:${services.orders}   behind ${gw}/api/orders
  consumers         web-app, mobile-app (full access), partner-acme (GET /api/orders only, 5 req/min)
${admin ? adminLines(admin) : ''}
Try it (in another terminal, from this folder):

  # allowed: a first-party app reads users
  curl -i ${gw}/api/users -H "Authorization: Bearer ${mint('web-app')}"

  # 401: no token
  curl -i ${gw}/api/users

  # 403: the partner may not touch users, nor write orders
  curl -i ${gw}/api/users -H "Authorization: Bearer ${mint('partner-acme')}"
  curl -i -X POST ${gw}/api/orders -H "Authorization: Bearer ${mint('partner-acme')}" -d '{"item":"x","quantity":1}'

  # 429: the partner's 6th request within a minute
  T=${mint('partner-acme')}; for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w "%{http_code}\\n" ${gw}/api/orders -H "Authorization: Bearer $T"; done
${admin ? adminCurl(admin, { proxy: gw, usersPort: services.users }) : ''}
Validate a config:  npm run -s portcullis -- config validate examples/demo/portcullis.yaml
Stop with Ctrl-C.
`;
}

/** Banner without the demo: one line per listener, then the admin API. */
export function plainBanner(proxyUrls: readonly string[], admin: AdminBannerInfo): string {
  return `Portcullis proxy listening on ${proxyUrls.join(', ')}\n${adminLines(admin)}${adminCurl(admin)}`;
}

function adminLines(admin: AdminBannerInfo): string {
  const mode = admin.mode === 'database' ? `database mode, ${admin.storage}` : `DB-less mode, ${admin.storage}; read-only but for POST /config`;
  let token: string;
  switch (admin.tokenSource) {
    case 'first-start':
      token = `  admin token       ${admin.token}\n                    (shown once; store it: only its hash is kept)\n`;
      break;
    case 'generated':
      token = `  admin token       ${admin.token}\n                    (for this run only; set PORTCULLIS_ADMIN_TOKEN to choose one)\n`;
      break;
    case 'env':
      token = '  admin token       the one in PORTCULLIS_ADMIN_TOKEN\n';
      break;
    default:
      // The tokens may come from the first start or from `portcullis admin-token create`: say only what holds for both.
      token =
        `  admin tokens      in the database, kept as hashes (not shown again); create more with an admin token:\n` +
        `                    curl -X POST -H "Authorization: Bearer $TOKEN" ${admin.url}/admin-tokens -H 'Content-Type: application/json' -d '{"name":"ci","role":"read-only"}'\n` +
        `                    (no admin token left? \`portcullis admin-token create --name NAME\` on this database; on PGlite stop the node first)\n`;
  }
  return `  admin API         ${admin.url}   (${mode})\n${token}`;
}

/** `demo`: the demo's proxy and users service, to show a new route answering at once (the demo's services and tokens). */
function adminCurl(admin: AdminBannerInfo, demo?: { proxy: string; usersPort: number }): string {
  const set = admin.token ? `  export TOKEN=${admin.token}\n` : '';
  const write =
    admin.mode === 'database'
      ? `  curl -X POST -H "Authorization: Bearer $TOKEN" ${admin.url}/services -d name=echo -d url=http://127.0.0.1:${demo?.usersPort ?? DEMO_PORTS.users}\n` +
        `  curl -X POST -H "Authorization: Bearer $TOKEN" ${admin.url}/services/echo/routes -d name=echo -d 'paths[]=/echo'\n` +
        (demo
          ? `  # the new route is live at once, behind the global jwt plugin like the others:\n` +
            `  curl -i ${demo.proxy}/echo -H "Authorization: Bearer $(npm run -s portcullis -- token mint web-app)"\n`
          : '')
      : `  curl -X POST -H "Authorization: Bearer $TOKEN" ${admin.url}/config --data-urlencode config@kong.yaml\n`;
  return `
Admin API (changes apply to the running gateway, no restart):

${set}  curl -H "Authorization: Bearer $TOKEN" ${admin.url}/services
  curl -H "Authorization: Bearer $TOKEN" ${admin.url}/status
${write}`;
}
