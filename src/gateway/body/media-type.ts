// Which of the body formats plugins understand a Content-Type names, as Kong's kong.request.get_body decides.
export type BodyFormat = 'form' | 'json' | 'multipart';

/** The media type (lower case, parameters dropped) starting with one of Kong's three; null for any other. */
export function bodyFormat(contentType: string | string[] | undefined): BodyFormat | null {
  if (contentType === undefined) return null;
  const type = (Array.isArray(contentType) ? (contentType[0] ?? '') : contentType).trim().toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return 'form';
  if (type.startsWith('application/json')) return 'json';
  if (type.startsWith('multipart/form-data')) return 'multipart';
  return null;
}
