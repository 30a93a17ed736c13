// Node-wide shared memory for plugins that ask for it (PluginModule.sharedMemoryBytes): one SharedArrayBuffer per
// such plugin, made once per node by the supervisor and handed to every worker thread, so what a plugin keeps
// there (local rate-limit counters) is exact across threads and survives a worker's restart.
import type { PluginRegistry } from '../plugins/registry.ts';

export function nodeSharedMemory(plugins: PluginRegistry): Map<string, SharedArrayBuffer> {
  const memory = new Map<string, SharedArrayBuffer>();
  for (const [name, module] of plugins) {
    const bytes = module.sharedMemoryBytes ?? 0;
    if (bytes > 0) memory.set(name, new SharedArrayBuffer(bytes));
  }
  return memory;
}
