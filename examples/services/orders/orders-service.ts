// Example `orders` service: lists orders and takes new ones, recording which consumer placed them.
import { serveAsProgram, startJsonServer } from '../json-server.ts';

interface Order {
  id: string;
  item: string;
  quantity: number;
  placed_by: string | null;
}

export function startOrdersService(port: number) {
  const orders: Order[] = [
    { id: 'o-1', item: 'portcullis', quantity: 1, placed_by: 'web-app' },
    { id: 'o-2', item: 'drawbridge', quantity: 2, placed_by: 'mobile-app' },
  ];
  return startJsonServer(
    'orders',
    [
      { method: 'GET', pattern: /^\/?$/, handler: (_req, caller) => ({ status: 200, body: { service: 'orders', caller, orders } }) },
      {
        method: 'POST',
        pattern: /^\/?$/,
        handler: (_req, caller, body) => {
          const b = body as Partial<Order> | undefined;
          if (!b || typeof b.item !== 'string' || !Number.isInteger(b.quantity))
            return { status: 400, body: { error: 'item (string) and quantity (integer) required' } };
          const order: Order = { id: `o-${orders.length + 1}`, item: b.item, quantity: b.quantity!, placed_by: caller.username };
          orders.push(order);
          return { status: 201, body: { service: 'orders', caller, order } };
        },
      },
    ],
    port,
  );
}

if (import.meta.main) await serveAsProgram('orders', startOrdersService, 3002);
