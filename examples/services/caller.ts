// What the example services know about the caller: the identity headers the gateway set (and only it can set).
import type { IncomingMessage } from 'node:http';

export interface Caller {
  consumerId: string | null;
  username: string | null;
  groups: string[];
  anonymous: boolean;
}

export function callerOf(req: IncomingMessage): Caller {
  const one = (name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : null;
  };
  return {
    consumerId: one('x-consumer-id'),
    username: one('x-consumer-username'),
    groups: (one('x-consumer-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    anonymous: one('x-anonymous-consumer') === 'true',
  };
}
