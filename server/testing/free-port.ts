/**
 * Free loopback ports, found by letting the kernel pick them (listen on port 0) and giving them
 * back. The point is to never assume `client port + 10000` is free for the cluster bus, nor any
 * fixed port, which collide across the parallel test jobs tap runs.
 *
 * Two ports picked one after the other can be the same port: the first is given back before the
 * second is asked for, and the kernel may pick it again. That is rare on an idle machine (about
 * one cluster start in four drew a repeat among 60 ports here) and common after a test run has
 * filled the ephemeral range with TIME-WAIT sockets, when the kernel has few ports left to choose
 * from: a 30-node start then failed on all four of its attempts. So:
 *   - freePorts(n) keeps every probe listening until it has n ports, so they differ;
 *   - a port handed out recently by this process is not handed out again (the probe that drew
 *     it stays open too, so the kernel looks elsewhere), which keeps separate calls apart, such
 *     as two servers started side by side.
 * Another process can still take a port before it is bound: callers retry on EADDRINUSE.
 */
import * as net from 'node:net';

/** How many recently handed-out ports are kept out of later answers. */
const REMEMBERED = 4096;
/** Probes beyond the ports asked for before giving up (each repeat costs one). */
const EXTRA_PROBES = 256;

const recent = new Set<number>();

export async function freePorts(host: string, count: number): Promise<number[]> {
  const probes: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      if (probes.length >= count + EXTRA_PROBES) throw new Error(`no ${count} free ports on ${host}: every port the kernel offered was handed out recently`);
      const probe = await listenAnywhere(host);
      probes.push(probe);
      const address = probe.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      if (port > 0 && !recent.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(probes.map((probe) => new Promise<void>((resolve) => probe.close(() => resolve()))));
  }
  for (const port of ports) remember(port);
  return ports;
}

export async function freePort(host: string): Promise<number> {
  const [port] = await freePorts(host, 1);
  return port as number;
}

function listenAnywhere(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    // A probe never keeps the process alive on its own.
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => resolve(server));
  });
}

/** Oldest first: a Set iterates in insertion order, so the first entry is the one to forget. */
function remember(port: number): void {
  recent.delete(port);
  recent.add(port);
  if (recent.size > REMEMBERED) recent.delete(recent.values().next().value as number);
}
