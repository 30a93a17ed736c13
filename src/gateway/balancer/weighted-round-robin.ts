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

/** A live target and its running score: each pick adds every candidate's weight, the winner pays back the total. */
interface Slot {
  readonly target: UpstreamTarget;
  readonly weight: number;
  current: number;
}

export function createWeightedRoundRobin(targets: readonly UpstreamTarget[]): Balancer {
  const live = targets.filter((t) => t.weight > 0);
  const only = live.length === 1 ? live.at(0) : undefined;
  if (only !== undefined) return { size: 1, pick: (exclude) => (exclude?.has(only) ? undefined : only) };
  const slots: readonly Slot[] = live.map((target) => ({ target, weight: target.weight, current: 0 }));
  const total = live.reduce((sum, t) => sum + t.weight, 0);
  return {
    size: live.length,
    pick(exclude) {
      let best: Slot | null = null;
      for (const slot of slots) {
        if (exclude?.has(slot.target)) continue;
        slot.current += slot.weight;
        if (best === null || slot.current > best.current) best = slot;
      }
      if (best === null) return undefined;
      best.current -= total;
      return best.target;
    },
  };
}
