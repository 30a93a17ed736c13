// The admin API under hostile input on the embedded store (PGlite): see tmp-suite.ts for the cases.
import { startTestAdmin } from '../helpers/admin.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { badInputSuite } from './tmp-suite.ts';

badInputSuite(() => startTestAdmin({ routes: allAdminRoutes() }));
