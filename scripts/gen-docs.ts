// Regenerates the reference docs that are derived from code (error catalogue, JSON Schemas).
import { writeFile, mkdir } from 'node:fs/promises';
import { renderErrorsDoc } from '../src/errors/render-docs.ts';
import { renderJsonSchemas } from '../src/schema/json-schemas.ts';

await mkdir(new URL('../docs/schemas/', import.meta.url), { recursive: true });
await writeFile(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
for (const [name, schema] of Object.entries(await renderJsonSchemas())) {
  await writeFile(new URL(`../docs/schemas/${name}.json`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
}
console.log('docs/errors.md and docs/schemas/*.json written');
