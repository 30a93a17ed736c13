// The request path's loops read lists by index, the fastest walk V8 has for them: for-of cost the router's scans
// 10-15% (bench/router-bench.ts), and inside an async phase loop its iterator is an allocation per request.
/**
 * A list as a read by index sees it: `undefined` past the end. Assigning a list to this view makes the end
 * check one the types ask for, with or without `noUncheckedIndexedAccess`, at no cost at run time.
 */
export type Indexed<T> = readonly (T | undefined)[];
