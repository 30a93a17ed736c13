// Renders docs/errors.md from the catalogue, so the reference can never drift from the code.
import { catalogue } from './catalogue.ts';

export function renderErrorsDoc(): string {
  const rows = Object.entries(catalogue).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.message} | ${spec.title} |`);
  return `# Error codes

Generated from \`src/errors/catalogue.ts\` by \`npm run docs\`; a test fails when this file is stale.

Every refusal is \`application/problem+json\`:

\`\`\`json
{ "type": "https://portcullis.dev/errors#RATE_LIMITED", "title": "Rate limit exceeded", "status": 429,
  "code": "RATE_LIMITED", "message": "API rate limit exceeded", "plugin": "rate-limiting", "request_id": "…" }
\`\`\`

Match on \`code\`: it is stable. \`message\` is Kong's text for the same refusal, kept for clients written
against Kong; \`plugin\`, when a plugin refused, names it; \`detail\`, when present, explains this occurrence.

| code | status | message (Kong) | meaning |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}
