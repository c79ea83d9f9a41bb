import { createServer, type Server } from 'node:net';

// Picking a free port and binding it are two steps: the OS picks a port for a socket of ours, we
// close it, and only later does the child process, container or broker bind it, so another process
// on the machine can take it in between. A server of this process avoids that by listening on port
// 0 and reading `address().port`. What must be told its port before it binds (a child's HTTP_PORT,
// a broker's advertised listener, a container's port mapping) starts through `onFreePorts`, which
// picks new ports and starts again when a port was taken.

const ADDRESS_IN_USE = /EADDRINUSE|address already in use|port is already allocated/i;

/**
 * Whether `error` says a port was taken: Node's `EADDRINUSE` code, or the message of a process or a
 * container runtime that could not bind (searched along the `cause` chain).
 */
export function isAddressInUse(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'EADDRINUSE') return true;
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    if (ADDRESS_IN_USE.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Starts something that must be told its ports before it binds them: picks `count` distinct ports
 * on 127.0.0.1 that are free now and calls `start` with them. When `start` rejects because a port
 * was taken in the meantime (`isAddressInUse`), it picks new ports and calls `start` again, up to
 * `attempts` times in all; any other failure is thrown at once. `start` cleans up what it started
 * before it rejects.
 */
export async function onFreePorts<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
  options: { attempts?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    try {
      return await start(ports);
    } catch (error) {
      if (attempt >= attempts || !isAddressInUse(error)) throw error;
    }
  }
}

/** `onFreePorts` for one port. */
export function onFreePort<T>(start: (port: number) => Promise<T>, options: { attempts?: number } = {}): Promise<T> {
  return onFreePorts(1, ([port]) => start(port as number), options);
}

// All sockets are held open until every port is read, so the ports are distinct.
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function listenOnAnyPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}
