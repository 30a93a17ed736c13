#!/usr/bin/env node
// `npx portcullis …`: npm puts the project's pinned Node 24 first on PATH, which runs the TypeScript CLI directly.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`portcullis needs Node.js 24 or newer (this is ${process.version}); run it through npm: npx portcullis …`);
  process.exit(1);
}
await import('../src/cli/main.ts');
