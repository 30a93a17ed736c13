// Kong's plugin precedence: for each plugin name the most specific scope wins, in this order.
import type { PluginRuntime } from './compiled.ts';

export interface ScopedPlugin {
  runtime: PluginRuntime;
  routeId: string | null;
  serviceId: string | null;
  consumerId: string | null;
}

/** Lower rank wins. Mirrors Kong 3.x (consumer groups aside). */
function rank(p: ScopedPlugin): number {
  const r = p.routeId !== null,
    s = p.serviceId !== null,
    c = p.consumerId !== null;
  if (r && s && c) return 0;
  if (r && c) return 1;
  if (s && c) return 2;
  if (r && s) return 3;
  if (c) return 4;
  if (r) return 5;
  if (s) return 6;
  return 7;
}

function applies(p: ScopedPlugin, routeId: string, serviceId: string | null, consumerId: string | null): boolean {
  return (
    (p.routeId === null || p.routeId === routeId) &&
    (p.serviceId === null || p.serviceId === serviceId) &&
    (p.consumerId === null || p.consumerId === consumerId)
  );
}

/** Resolve the effective plugin list for one route/service/consumer: one instance per name, priority order. */
export function resolvePlugins(all: readonly ScopedPlugin[], routeId: string, serviceId: string | null, consumerId: string | null): readonly PluginRuntime[] {
  const chosen = new Map<string, ScopedPlugin>();
  for (const p of all) {
    if (!applies(p, routeId, serviceId, consumerId)) continue;
    const current = chosen.get(p.runtime.name);
    if (!current || rank(p) < rank(current)) chosen.set(p.runtime.name, p);
  }
  return Object.freeze(sortByPriority([...chosen.values()].map((p) => p.runtime)));
}

/** Higher priority first; ties broken by name so the order never depends on file order. */
export function sortByPriority(list: PluginRuntime[]): PluginRuntime[] {
  return list.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}
