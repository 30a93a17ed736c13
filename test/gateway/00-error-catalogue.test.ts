// The error catalogue and its reference doc stay in step; every code is well-formed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { catalogue } from '../../src/errors/catalogue.ts';
import { renderErrorsDoc } from '../../src/errors/render-docs.ts';

test('docs/errors.md is generated from the catalogue and up to date (run `npm run docs`)', async () => {
  const onDisk = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderErrorsDoc());
});

test('every code is UPPER_SNAKE with an HTTP error status, a title and a message', () => {
  for (const [code, spec] of Object.entries(catalogue)) {
    assert.match(code, /^[A-Z][A-Z0-9_]+$/, code);
    assert.ok(spec.status >= 300 && spec.status <= 599, `${code} status`);
    assert.ok(spec.title.length > 0 && spec.message.length > 0, `${code} text`);
  }
});

test('docs/schemas/*.json are generated from the TypeBox schemas and up to date (run `npm run docs`)', async () => {
  const { renderJsonSchemas } = await import('../../src/schema/json-schemas.ts');
  for (const [name, schema] of Object.entries(await renderJsonSchemas())) {
    const onDisk = await readFile(new URL(`../../docs/schemas/${name}.json`, import.meta.url), 'utf8').catch(() => '(missing)');
    assert.equal(onDisk, `${JSON.stringify(schema, null, 2)}\n`, `docs/schemas/${name}.json is stale`);
  }
});

test('docs/plugins/*.md are generated from the plugin schemas and up to date (run `npm run docs`)', async () => {
  const { renderPluginDocs } = await import('../../src/schema/plugin-docs.ts');
  for (const [name, text] of Object.entries(await renderPluginDocs())) {
    const onDisk = await readFile(new URL(`../../docs/plugins/${name}.md`, import.meta.url), 'utf8').catch(() => '(missing)');
    assert.equal(onDisk, text, `docs/plugins/${name}.md is stale`);
  }
});
