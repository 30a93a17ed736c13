// The rate-limiting plugin's tables: no entities, only the `cluster` policy's counters (its migrations).
import { definePluginDaos } from '../plugin-daos.ts';

export default definePluginDaos({ plugin: 'rate-limiting', entities: [], migrations: new URL('./migrations/', import.meta.url) });
