// The `anonymous` fallback of the auth plugins (Kong's set_anonymous_consumer): the consumer named by id or
// username, or Kong's 500 "anonymous consumer <x> is configured but doesn't exist" when there is none.
import type { ConsumerDirectory, ConsumerRecord } from '../config/consumer-directory.ts';
import { GatewayError } from '../errors/gateway-error.ts';

/**
 * Resolves `anonymous` (an id or a username, as in Kong 3) once per compiled config: consumers never change
 * under a config. Kong accepts a name that matches nobody and fails each request that needs it, so do we.
 */
export function anonymousConsumer(consumers: ConsumerDirectory, ref: string): () => ConsumerRecord {
  const consumer = consumers.byIdOrUsername(ref);
  if (consumer !== undefined) return () => consumer;
  const message = `anonymous consumer ${ref} is configured but doesn't exist`;
  return () => {
    throw new GatewayError('ANONYMOUS_CONSUMER_MISSING', {
      message,
      detail: "no consumer has this id or username; create it or change the plugin's anonymous setting",
    });
  };
}
