// The acl config compiled once into Sets, and the verdict for one list of groups: refused, or allowed for
// some methods, with the header value Kong sends upstream. Verdicts for consumers are memoised.
import type { AclConfig } from './schema.ts';

export interface GroupVerdict {
  /** False: the groups are refused outright (ACL_FORBIDDEN). */
  readonly allowed: boolean;
  /** Methods the groups may use; null means every method. */
  readonly methods: ReadonlySet<string> | null;
  /** The groups joined by ", " as Kong sends them upstream: "" when there are none (Kong sends it empty). */
  readonly header: string;
}

export interface GroupPolicy {
  /** True for an `allow` list, false for a `deny` list. */
  readonly isAllowList: boolean;
  /** Verdict for a consumer's groups: the directory hands out one frozen array per consumer, so it is memoised. */
  forConsumerGroups(groups: readonly string[]): GroupVerdict;
  /** Verdict for groups an auth plugin asserted for this request only. */
  evaluate(groups: readonly string[]): GroupVerdict;
}

export function compileGroupPolicy(config: AclConfig): GroupPolicy {
  const isAllowList = config.allow !== null && config.allow.length > 0;
  const listed = new Set(isAllowList ? config.allow : (config.deny ?? []));
  const methodsOf = new Map<string, ReadonlySet<string>>();
  for (const [group, methods] of Object.entries(config.group_methods)) methodsOf.set(group, new Set(methods));
  const memo = new WeakMap<readonly string[], GroupVerdict>();

  function evaluate(groups: readonly string[]): GroupVerdict {
    const header = groups.join(', ');
    // The groups that grant access: with an allow list those in it; with a deny list all of them, once none is denied.
    let granting = 0;
    let unrestricted = false;
    let methods: Set<string> | null = null;
    for (const group of groups) {
      const inList = listed.has(group);
      if (!isAllowList && inList) return { allowed: false, methods: null, header };
      if (isAllowList && !inList) continue;
      granting++;
      const allowedMethods = methodsOf.get(group);
      if (allowedMethods === undefined) unrestricted = true;
      else if (!unrestricted) for (const m of allowedMethods) (methods ??= new Set()).add(m);
    }
    if (isAllowList && granting === 0) return { allowed: false, methods: null, header };
    // No granting group at all (deny list, consumer in no group): nothing restricts it.
    return { allowed: true, methods: unrestricted || granting === 0 ? null : methods, header };
  }

  return {
    isAllowList,
    evaluate,
    forConsumerGroups(groups) {
      let verdict = memo.get(groups);
      if (verdict === undefined) memo.set(groups, (verdict = Object.freeze(evaluate(groups))));
      return verdict;
    },
  };
}
