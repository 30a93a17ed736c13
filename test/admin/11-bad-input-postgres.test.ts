// The admin API under hostile input on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end):
// the same cases as 10-bad-input (see bad-input-suite.ts), where text, NUL bytes and races meet a real server.
import { after, test } from 'node:test';
import { startTestAdmin } from '../helpers/admin.ts';
import { createTestDatabase, postgresSkip } from '../helpers/pg-database.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { badInputSuite } from './bad-input-suite.ts';

const skip = await postgresSkip();
if (skip) {
  test('admin bad input: postgres', { skip }, () => {});
} else {
  const db = await createTestDatabase('portcullis_bad_input');
  after(() => db.drop());
  badInputSuite(() => startTestAdmin({ routes: allAdminRoutes(), databaseUrl: db.url }));
}
