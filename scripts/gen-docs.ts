// Regenerates the reference docs that are derived from code (error catalogue, JSON Schemas, admin API).
import { writeFile, mkdir } from 'node:fs/promises';
import { renderErrorsDoc } from '../src/errors/render-docs.ts';
import { renderAdminApiDoc } from '../src/admin/render-api-docs.ts';
import { renderJsonSchemas } from '../src/schema/json-schemas.ts';
import { renderPluginDocs } from '../src/schema/plugin-docs.ts';

await mkdir(new URL('../docs/schemas/', import.meta.url), { recursive: true });
await writeFile(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
for (const [name, schema] of Object.entries(await renderJsonSchemas())) {
  await writeFile(new URL(`../docs/schemas/${name}.json`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
}
await mkdir(new URL('../docs/plugins/', import.meta.url), { recursive: true });
for (const [name, text] of Object.entries(await renderPluginDocs())) {
  await writeFile(new URL(`../docs/plugins/${name}.md`, import.meta.url), text);
}
await writeFile(new URL('../docs/admin-api.md', import.meta.url), renderAdminApiDoc());
console.log('docs/errors.md, docs/admin-api.md, docs/schemas/*.json and docs/plugins/*.md written');
