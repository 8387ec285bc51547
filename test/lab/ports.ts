/**
 * Free-port helpers for the test lab. Every lab server binds 127.0.0.1 only.
 *
 * A port found here is free at the moment we look; another process can take it before our
 * server binds it. Callers that start a server on it should retry with a new port when the
 * bind fails with "address already in use" (startLabPostgres does).
 */
import * as net from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Binds a TCP server to port 0 on `host`, so the kernel picks a free port. */
function listenOnAnyPort(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function portOf(server: net.Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`Expected a TCP address, got ${String(address)}`);
  }
  return address.port;
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** A TCP port that was free on `host` (default 127.0.0.1) a moment ago. */
export async function findFreePort(host: string = LOOPBACK): Promise<number> {
  const [port] = await findFreePorts(1, host);
  return port;
}

/**
 * `count` distinct free ports: all of them are held open at the same time before being
 * released, so the kernel cannot hand out the same one twice.
 */
export async function findFreePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${count}`);
  }
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await listenOnAnyPort(host));
    }
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** True when something accepts TCP connections on host:port (default host 127.0.0.1). */
export function isPortInUse(port: number, host: string = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const finish = (inUse: boolean): void => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
