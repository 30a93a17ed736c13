// Where the demo's files live, so the CLI and tests agree without repeating paths.
import { fileURLToPath } from 'node:url';

export const DEMO_CONFIG = fileURLToPath(new URL('./portcullis.yaml', import.meta.url));
