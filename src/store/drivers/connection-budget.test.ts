// The connection budget's promises, with plain objects for connections: at most `size` exist at once, callers
// are served first come first served, a released connection goes straight to the next waiter, a waiter past its
// bound is refused (and leaves the queue), a broken or long-idle connection is closed and its place freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetTimeout, ConnectionBudget, type ConnectionOpener } from './connection-budget.ts';

interface Conn {
  id: number;
}

/** Opens numbered connections, remembers which were closed; `fail` makes the next open throw it. */
function opener(): ConnectionOpener<Conn> & { opened: number; closed: number[]; fail?: Error } {
  const o: ConnectionOpener<Conn> & { opened: number; closed: number[]; fail?: Error } = {
    opened: 0,
    closed: [],
    open() {
      const failure = o.fail;
      if (failure) {
        o.fail = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ id: ++o.opened });
    },
    close(conn) {
      o.closed.push(conn.id);
      return Promise.resolve();
    },
  };
  return o;
}

test('opens at most size connections; the next waiter gets the one released, in arrival order', async () => {
  const o = opener();
  const budget = new ConnectionBudget(2, o, 60_000);
  const a = await budget.acquire(1000);
  const b = await budget.acquire(1000);
  const order: string[] = [];
  const third = budget.acquire(10_000).then((c) => (order.push('third'), c));
  const fourth = budget.acquire(10_000).then((c) => (order.push('fourth'), c));
  assert.equal(budget.open, 2);
  assert.equal(budget.waiting, 2);
  budget.release(a, false);
  budget.release(b, false);
  assert.deepEqual([await third, await fourth], [a, b], 'released connections are handed on, not reopened');
  assert.deepEqual(order, ['third', 'fourth'], 'first come, first served');
  assert.equal(o.opened, 2);
  await budget.end();
});

test('a waiter past its bound gets BudgetTimeout and leaves the queue', async () => {
  const o = opener();
  const budget = new ConnectionBudget(1, o, 60_000);
  const held = await budget.acquire(1000);
  await assert.rejects(budget.acquire(20), BudgetTimeout);
  assert.equal(budget.waiting, 0);
  budget.release(held, false);
  assert.equal(await budget.acquire(1000), held, 'the released connection is idle again, not handed to the waiter that gave up');
  await budget.end();
});

test('a broken connection is closed and the next waiter opens a new one; a failed open frees its place', async () => {
  const o = opener();
  const budget = new ConnectionBudget(1, o, 60_000);
  const first = await budget.acquire(1000);
  const next = budget.acquire(10_000);
  budget.release(first, true);
  const second = await next;
  assert.notEqual(second, first);
  assert.deepEqual(o.closed, [first.id]);
  budget.release(second, true);
  o.fail = new Error('refused');
  await assert.rejects(budget.acquire(1000), /refused/);
  assert.equal(budget.open, 0, 'a connection that never opened holds no place');
  assert.ok(await budget.acquire(1000));
  await budget.end();
});

test('idle connections are closed after idleMs; a lost idle one is discarded', async () => {
  const o = opener();
  const budget = new ConnectionBudget(2, o, 30);
  const a = await budget.acquire(1000);
  const b = await budget.acquire(1000);
  budget.release(a, false);
  assert.equal(budget.discard(a), true);
  assert.equal(budget.discard(b), false, 'in use: its holder sees the failure');
  budget.release(b, false);
  while (budget.open > 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(o.closed.sort(), [a.id, b.id]);
  await budget.end();
});

test('after end, acquire fails and released connections are closed', async () => {
  const o = opener();
  const budget = new ConnectionBudget(1, o, 60_000);
  const held = await budget.acquire(1000);
  await budget.end();
  await assert.rejects(budget.acquire(1000), /after calling end/);
  budget.release(held, false);
  assert.deepEqual(o.closed, [held.id]);
});

test('a budget is a whole number of at least one', () => {
  assert.throws(() => new ConnectionBudget(0, opener(), 1000), RangeError);
  assert.throws(() => new ConnectionBudget(1.5, opener(), 1000), RangeError);
});
