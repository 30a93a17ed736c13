// Pre-flight: prove each gateway really authenticates before it is timed, so a broken config can't give fake numbers.
import { request } from 'node:http';
import { UPSTREAM_BODY } from './upstream.ts';

interface Reply {
  status: number;
  body: string;
  headers: import('node:http').IncomingHttpHeaders;
}

function get(url: string, authorization?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = authorization ? { authorization } : {};
    const req = request(url, { headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

export interface AuthCase {
  /** e.g. "portcullis HS256" */
  label: string;
  url: string;
  validToken: string;
  forgedToken: string;
  /** Portcullis only: a valid token whose consumer the acl plugin must refuse (403). */
  outsiderToken?: string;
}

/** Returns the list of failures (empty when the gateway refuses bad requests and proxies good ones). */
export async function verifyGateway({ label, url, validToken, forgedToken, outsiderToken }: AuthCase): Promise<string[]> {
  const failures: string[] = [];
  const expect = async (what: string, authorization: string | undefined, status: number) => {
    const reply = await get(url, authorization);
    if (reply.status !== status) failures.push(`${label}: ${what} gave ${reply.status}, expected ${status} (${reply.body.slice(0, 200)})`);
    else if (status === 200 && reply.body !== UPSTREAM_BODY)
      failures.push(`${label}: ${what} gave 200 but not the upstream's body: ${reply.body.slice(0, 200)}`);
    return reply;
  };
  await expect('no token', undefined, 401);
  await expect('forged signature', `Bearer ${forgedToken}`, 401);
  const ok = await expect('valid token', `Bearer ${validToken}`, 200);
  if (outsiderToken !== undefined) {
    // Prove the other two plugins of the config run too, so their cost is in the numbers.
    await expect('consumer outside the ACL group', `Bearer ${outsiderToken}`, 403);
    if (ok.status === 200 && ok.headers['ratelimit-limit'] === undefined && ok.headers['x-ratelimit-limit-second'] === undefined) {
      failures.push(`${label}: valid token gave 200 without rate-limit headers: is rate-limiting running?`);
    }
  }
  return failures;
}

/** The upstream alone must answer its fixed body. */
export async function verifyUpstream(url: string): Promise<string[]> {
  const reply = await get(url);
  return reply.status === 200 && reply.body === UPSTREAM_BODY ? [] : [`upstream: got ${reply.status} ${reply.body.slice(0, 200)}`];
}
