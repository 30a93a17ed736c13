// Smooth weighted round-robin (nginx's algorithm): spreads picks in proportion to weight without bursts.
import type { UpstreamTarget } from '../../config/compiled.ts';

export interface Balancer {
  /** Next target; `exclude` skips targets already tried for this request (retries). */
  pick(exclude?: ReadonlySet<UpstreamTarget>): UpstreamTarget | undefined;
  readonly size: number;
}

/** The target for a request's next attempt: one it has not tried yet, else (all tried) any, retries wrapping round. */
export function nextTarget(balancer: Balancer, tried: ReadonlySet<UpstreamTarget>): UpstreamTarget | undefined {
  if (tried.size === 0) return balancer.pick();
  return balancer.pick(tried) ?? balancer.pick();
}

export function createWeightedRoundRobin(targets: readonly UpstreamTarget[]): Balancer {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 1) {
    const only = live[0];
    return { size: 1, pick: (exclude) => (exclude?.has(only) ? undefined : only) };
  }
  const current = new Float64Array(live.length);
  const total = live.reduce((sum, t) => sum + t.weight, 0);
  return {
    size: live.length,
    pick(exclude) {
      let best = -1;
      for (let i = 0; i < live.length; i++) {
        if (exclude?.has(live[i])) continue;
        current[i] += live[i].weight;
        if (best === -1 || current[i] > current[best]) best = i;
      }
      if (best === -1) return undefined;
      current[best] -= total;
      return live[best];
    },
  };
}
