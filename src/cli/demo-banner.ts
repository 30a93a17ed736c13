// The next steps `npm start` prints: what runs where, and curl lines for each outcome.
export function demoBanner(port: number): string {
  const gw = `http://127.0.0.1:${port}`;
  const mint = (who: string) => `$(npm run -s portcullis -- token mint ${who})`;
  return `
Portcullis is up (demo configuration: examples/demo/portcullis.yaml)

  gateway (proxy)   ${gw}
  users service     http://127.0.0.1:3001   behind ${gw}/api/users
  orders service    http://127.0.0.1:3002   behind ${gw}/api/orders
  consumers         web-app, mobile-app (full access), partner-acme (GET /api/orders only, 5 req/min)

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

Validate a config:  npm run -s portcullis -- config validate examples/demo/portcullis.yaml
Stop with Ctrl-C.
`;
}
