// Form, JSON and multipart request bodies for tests, encoded and decoded by the platform's own FormData and
// URLSearchParams (never by the gateway's parsers, which the tests are checking).

export type BodyType = 'form' | 'json' | 'multipart';

export const CONTENT_TYPES: Record<Exclude<BodyType, 'multipart'>, string> = {
  form: 'application/x-www-form-urlencoded',
  json: 'application/json',
};

/** `fields` as a body of `type`, with the Content-Type to send it under. */
export async function encodeBody(type: BodyType, fields: Record<string, string>): Promise<{ body: string; contentType: string }> {
  if (type === 'form') return { body: new URLSearchParams(fields).toString(), contentType: CONTENT_TYPES.form };
  if (type === 'json') return { body: JSON.stringify(fields), contentType: CONTENT_TYPES.json };
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = new Response(form);
  return { body: await response.text(), contentType: response.headers.get('content-type')! };
}

/** A body the upstream received, as field name -> values. */
export async function decodeBody(body: string, contentType: string | undefined): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const add = (name: string, value: unknown) => (out[name] ??= []).push(value);
  if (contentType?.startsWith('application/json')) {
    for (const [name, value] of Object.entries(JSON.parse(body) as Record<string, unknown>)) add(name, value);
  } else if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    for (const [name, value] of form.entries()) add(name, typeof value === 'string' ? value : await value.text());
  } else {
    for (const [name, value] of new URLSearchParams(body)) add(name, value);
  }
  return out;
}
