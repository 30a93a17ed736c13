// Where the demo's files live, for tests that read them (the CLI finds them by path: src/cli/demo-services.ts).
import { fileURLToPath } from 'node:url';

export const DEMO_CONFIG = fileURLToPath(new URL('./portcullis.yaml', import.meta.url));
