/*
 * Scenario 1 (full sync, then streaming) with scenario 6's disk-based transfer: the master runs
 * `repl-diskless-sync no`, writes its snapshot to a file and sends it as `$<length>` + bytes.
 */

import t from 'tap';
import { fullSyncSuite } from './full-sync-scenario';

fullSyncSuite(t, 'disk');
