/*
 * Scenario 1 (full sync, then streaming) with scenario 6's diskless transfer: the master runs
 * `repl-diskless-sync yes` with `repl-diskless-sync-delay 0` and streams its snapshot straight to
 * the socket, framed as `$EOF:<40 chars>` ... <the same 40 chars>.
 */

import t from 'tap';
import { fullSyncSuite } from './full-sync-scenario';

fullSyncSuite(t, 'diskless');
