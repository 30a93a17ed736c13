// The three Kong id generators. State is per process, as Kong's is per nginx worker.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CorrelationIdConfig } from './schema.ts';

export type IdGenerator = () => string;

const processUuid = randomUUID();
let counter = 0;
let trackerSequence = 0;
const trackerPrefix = `${hostname()}-${process.pid}-`;

export const generators: Readonly<Record<CorrelationIdConfig['generator'], IdGenerator>> = {
  uuid: () => randomUUID(),
  // Cheap and unique per process: one random UUID at start-up, then a counter.
  'uuid#counter': () => `${processUuid}#${++counter}`,
  // Kong's tracker is server_addr-server_port-pid-connection-requests-time; the request context carries no
  // socket details, so this keeps the idea (where, which process, which request, when) with what we have.
  tracker: () => `${trackerPrefix}${++trackerSequence}-${(Date.now() / 1000).toFixed(3)}`,
};
