// Example `users` service: who is calling, and a small user directory.
import { serveAsProgram, startJsonServer } from '../json-server.ts';

const users = [
  { id: 'u-1', name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: 'u-2', name: 'Alan Turing', email: 'alan@example.com' },
];

export function startUsersService(port: number) {
  return startJsonServer(
    'users',
    [
      { method: 'GET', pattern: /^\/?$/, handler: (_req, caller) => ({ status: 200, body: { service: 'users', caller, users } }) },
      { method: 'GET', pattern: /^\/me$/, handler: (_req, caller) => ({ status: 200, body: { service: 'users', caller } }) },
      {
        method: 'GET',
        pattern: /^\/([\w-]+)$/,
        handler: (_req, caller, _b, [id]) => {
          const user = users.find((u) => u.id === id);
          return user ? { status: 200, body: { service: 'users', caller, user } } : { status: 404, body: { error: 'no such user' } };
        },
      },
    ],
    port,
  );
}

if (import.meta.main) await serveAsProgram('users', startUsersService, 3001);
