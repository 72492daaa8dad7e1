/*
 * A free loopback TCP port for a server a test or benchmark starts. The picking is hashslot's
 * testing library's (server/testing/free-port.ts: kernel-chosen, never the same port twice in
 * one process while it may still be in use); callers that start a server still retry on
 * EADDRINUSE-style failures with a new port, since another process can take it first.
 */

import { freePort as freeLoopbackPort } from '../../server/testing/free-port';

export const LOOPBACK_HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return freeLoopbackPort(LOOPBACK_HOST);
}
