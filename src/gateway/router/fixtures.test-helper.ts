// Test fixtures for the router: a route with Kong's defaults, and a request with sensible ones.
import type { RouteRequest, RouterRoute } from './types.ts';

let counter = 0;

export function route(fields: Partial<RouterRoute> & { name: string }): RouterRoute {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    protocols: ['http', 'https'],
    https_redirect_status_code: 426,
    regex_priority: 0,
    strip_path: true,
    path_handling: 'v0',
    preserve_host: false,
    request_buffering: true,
    response_buffering: true,
    ...fields,
  };
}

export function request(fields: Partial<RouteRequest> & { path: string }): RouteRequest {
  return { method: 'GET', host: 'example.com', headers: {}, scheme: 'http', ...fields };
}
