// Asserts a refusal as the gateway answers it: the status, application/problem+json with the catalogue's
// code and Kong's message, chosen headers, and (given the upstream's request count before) that nothing was proxied.
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import type { ProblemBody } from '../../src/errors/problem.ts';
import type { SimpleResponse } from './http.ts';
import type { TestUpstream } from './upstream.ts';

export interface ExpectedRefusal {
  status: number;
  code: ErrorCode;
  message: string;
  /** Response headers that must have exactly these values (`undefined`: absent). */
  headers?: Record<string, string | undefined>;
  /** Names the request in failure messages (useful in loops). */
  label?: string;
}

export function assertRefused(res: SimpleResponse, expected: ExpectedRefusal): ProblemBody;
export function assertRefused(res: SimpleResponse, expected: ExpectedRefusal, upstream: TestUpstream, before: number): ProblemBody;
export function assertRefused(res: SimpleResponse, expected: ExpectedRefusal, upstream?: TestUpstream, before?: number): ProblemBody {
  const at = expected.label === undefined ? '' : `${expected.label}: `;
  assert.equal(res.status, expected.status, `${at}status (body: ${res.body})`);
  assert.equal(res.headers['content-type'], 'application/problem+json', `${at}content-type`);
  const body = JSON.parse(res.body) as ProblemBody;
  assert.equal(body.code, expected.code, `${at}code`);
  assert.equal(body.status, expected.status, `${at}status in the body`);
  assert.equal(body.message, expected.message, `${at}message`);
  for (const [name, value] of Object.entries(expected.headers ?? {})) assert.equal(res.headers[name], value, `${at}${name} header`);
  if (upstream !== undefined) assert.equal(upstream.requests.length, before, `${at}nothing reaches the upstream`);
  return body;
}
