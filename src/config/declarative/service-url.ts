// Kong's `url` shorthand on services: `http://host:port/path` (or ws://, wss://) expands into protocol, host, port and path.
import { fieldPath, type FieldError } from '../../schema/validate.ts';

export function expandServiceUrl(fields: Record<string, unknown>, path: string, errors: FieldError[]): void {
  if (fields.url === undefined) return;
  const raw = fields.url;
  delete fields.url;
  for (const f of ['protocol', 'host', 'port', 'path']) {
    if (fields[f] !== undefined) errors.push({ path: fieldPath(path, f), message: "cannot be set together with 'url'" });
  }
  let url: URL;
  try {
    if (typeof raw !== 'string') throw new Error();
    url = new URL(raw);
  } catch {
    errors.push({ path: fieldPath(path, 'url'), message: 'expected an absolute http(s) or ws(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    errors.push({ path: fieldPath(path, 'url'), message: `unsupported protocol ${url.protocol.slice(0, -1)}` });
    return;
  }
  if (url.username || url.password || url.search || url.hash) {
    errors.push({ path: fieldPath(path, 'url'), message: 'must not carry credentials, a query or a fragment' });
    return;
  }
  fields.protocol = url.protocol.slice(0, -1);
  fields.host = url.hostname;
  if (url.port !== '') fields.port = Number(url.port);
  if (url.pathname !== '/' || raw.endsWith('/')) fields.path = url.pathname;
}
