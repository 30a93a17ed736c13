// Kong's collection query: `size` (1..1000, default 100), `offset` (the previous page's cursor) and `tags`
// (`a,b` all of them, `a/b` any of them), and the `next` link that repeats them for the following page.
import { GatewayError } from '../errors/gateway-error.ts';
import { checkPageSize } from '../store/pagination.ts';
import type { ListOptions, Page } from '../store/store.ts';

export const DEFAULT_PAGE_SIZE = 100;

/** Printable ASCII but `,` and `/`, plus any non-ASCII: Kong's tag characters. */
const TAG = '[\\x20-\\x2B\\x2D\\x2E\\x30-\\x7E\\u0080-\\uFFFF]+';
const TAGS_ALL = new RegExp(`^${TAG}(?:,${TAG})*$`);
const TAGS_ANY = new RegExp(`^${TAG}(?:/${TAG})+$`);

export function listOptions(query: URLSearchParams): Omit<ListOptions, 'parent'> {
  const options: Omit<ListOptions, 'parent'> = { size: DEFAULT_PAGE_SIZE };
  const size = query.get('size');
  if (size !== null) {
    const n = Number(size);
    if (size.trim() === '' || !Number.isFinite(n)) throw invalid('size must be a number', 'size', 'must be a number');
    checkPageSize(n);
    options.size = n;
  }
  const offset = query.get('offset');
  if (offset !== null && offset !== '') options.offset = offset;
  const tags = query.get('tags');
  if (tags !== null) {
    if (TAGS_ALL.test(tags)) options.tags = { values: tags.split(','), match: 'all' };
    else if (TAGS_ANY.test(tags)) options.tags = { values: tags.split('/'), match: 'any' };
    else throw invalid('invalid option (tags: invalid filter syntax)', 'tags', "invalid filter syntax: 'a,b' needs all tags, 'a/b' any of them, not both");
  }
  return options;
}

/** Kong's page body: `{ data, offset, next }`, offset left out and next null on the last page. */
export function pageBody(page: Page, basePath: string, query: URLSearchParams): Record<string, unknown> {
  if (page.offset === null) return { data: page.data, next: null };
  const next = new URLSearchParams({ offset: page.offset });
  // Kong's order: `?offset=…&tags=…&size=…`
  for (const name of ['tags', 'size']) {
    const value = query.get(name);
    if (value !== null) next.set(name, value);
  }
  return { data: page.data, offset: page.offset, next: `${basePath}?${next.toString()}` };
}

function invalid(message: string, field: string, fieldMessage: string): GatewayError {
  return new GatewayError('ADMIN_INVALID_QUERY', { message, fields: { [field]: fieldMessage } });
}
