// Read-only lookups over consumers, built once per compiled config. A plugin's own credentials are indexed by
// the plugin itself (PluginEnv.shared), never here: core knows consumers, not the ways they authenticate.
import type { RowOf } from '../schema/entity-catalogue.ts';
import { eachStep, runAtOnce, type Steps } from './steps.ts';

export type ConsumerRecord = RowOf<'consumers'>;

export interface ConsumerDirectory {
  byId(id: string): ConsumerRecord | undefined;
  byUsername(username: string): ConsumerRecord | undefined;
  byCustomId(customId: string): ConsumerRecord | undefined;
  /** Kong's anonymous lookup: an id or a username. */
  byIdOrUsername(value: string): ConsumerRecord | undefined;
}

export function buildConsumerDirectory(consumers: readonly ConsumerRecord[]): ConsumerDirectory {
  return runAtOnce(consumerDirectorySteps(consumers));
}

/** buildConsumerDirectory as pausable steps (100,000 consumers take tens of milliseconds). */
export function* consumerDirectorySteps(consumers: readonly ConsumerRecord[]): Steps<ConsumerDirectory> {
  const byId = new Map<string, ConsumerRecord>();
  const byUsername = new Map<string, ConsumerRecord>();
  const byCustomId = new Map<string, ConsumerRecord>();
  yield* eachStep(consumers, (c) => {
    byId.set(c.id, c);
    if (c.username) byUsername.set(c.username, c);
    if (c.custom_id) byCustomId.set(c.custom_id, c);
  });
  return {
    byId: (id) => byId.get(id),
    byUsername: (u) => byUsername.get(u),
    byCustomId: (c) => byCustomId.get(c),
    byIdOrUsername: (v) => byId.get(v) ?? byUsername.get(v),
  };
}
