// The connection budget's promises: at most `size` holders, waiters served first come first served, a waiter
// past its wait refused (and gone from the queue), and a release that counts once however often it is called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetTimeout, ConnectionBudget } from './connection-budget.ts';

test('hands out at most size permits; the next waiter gets the one released', async () => {
  const budget = new ConnectionBudget(2);
  const a = await budget.acquire(1000);
  await budget.acquire(1000);
  const order: string[] = [];
  const third = budget.acquire(10_000).then((release) => {
    order.push('third');
    return release;
  });
  const fourth = budget.acquire(10_000).then((release) => {
    order.push('fourth');
    return release;
  });
  assert.equal(budget.busy, 2);
  assert.equal(budget.waiting, 2);
  a();
  (await third)();
  (await fourth)();
  assert.deepEqual(order, ['third', 'fourth'], 'first come, first served');
  assert.equal(budget.waiting, 0);
});

test('a waiter past its wait is refused with BudgetTimeout and leaves the queue', async () => {
  const budget = new ConnectionBudget(1);
  const held = await budget.acquire(1000);
  await assert.rejects(budget.acquire(20), BudgetTimeout);
  assert.equal(budget.waiting, 0);
  held();
  assert.equal(budget.busy, 0, 'the released permit is free again, not handed to the waiter that gave up');
});

test('a release called twice frees one permit', async () => {
  const budget = new ConnectionBudget(1);
  const release = await budget.acquire(1000);
  release();
  const again = await budget.acquire(1000);
  release();
  assert.equal(budget.busy, 1, 'the second call of the first release must not free the second holder');
  again();
  assert.equal(budget.busy, 0);
});

test('a budget is a whole number of at least one', () => {
  assert.throws(() => new ConnectionBudget(0), RangeError);
  assert.throws(() => new ConnectionBudget(1.5), RangeError);
});
