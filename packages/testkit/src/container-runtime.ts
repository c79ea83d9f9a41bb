import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** Where a container engine answers. */
export type ContainerRuntime = { socketPath: string } | { host: string; port: number };

function candidates(env: NodeJS.ProcessEnv): ContainerRuntime[] {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return [{ socketPath: dockerHost.slice('unix://'.length) }];
    const tcp = /^tcp:\/\/([^:]+):(\d+)/.exec(dockerHost);
    return tcp ? [{ host: tcp[1]!, port: Number(tcp[2]) }] : [];
  }
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.docker/desktop/docker.sock'),
    join(homedir(), '.colima/default/docker.sock'),
    ...(runtimeDir ? [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman/podman.sock')] : []),
    '/run/podman/podman.sock',
  ];
  return sockets.filter((path) => existsSync(path)).map((socketPath) => ({ socketPath }));
}

function pings(runtime: ContainerRuntime, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...runtime, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * A container engine that answers `GET /_ping`, or undefined. Quick when there is none: only
 * sockets that exist are asked, each with a short timeout. A docker CLI without an engine (as on
 * machines that only have the client) finds nothing. `PROVISION_TESTKIT_CONTAINERS=never` skips
 * the look.
 */
export async function detectContainerRuntime(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 500,
): Promise<ContainerRuntime | undefined> {
  if (env['PROVISION_TESTKIT_CONTAINERS'] === 'never') return undefined;
  for (const runtime of candidates(env)) {
    if (await pings(runtime, timeoutMs)) return runtime;
  }
  return undefined;
}

/**
 * Whether the engine holds an image of `repository` (any tag), without pulling: used to run
 * without testcontainers' reaper (Ryuk) where its image is absent and no registry can supply it.
 */
export function hasImage(runtime: ContainerRuntime, repository: string, timeoutMs = 2_000): Promise<boolean> {
  const filters = encodeURIComponent(JSON.stringify({ reference: [repository] }));
  return new Promise((resolve) => {
    const req = request(
      { ...runtime, path: `/images/json?filters=${filters}`, method: 'GET', timeout: timeoutMs },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 && (JSON.parse(text) as unknown[]).length > 0);
          } catch {
            resolve(false);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** One call to the engine's API: its status and parsed JSON body (undefined when empty or not JSON). */
function engineCall(
  runtime: ContainerRuntime,
  method: string,
  path: string,
  timeoutMs = 10_000,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...runtime, path, method, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => {
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the container engine did not answer ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The label the test kit puts on its containers when it runs without Ryuk: `<host>:<pid>` of the
 * test process that started them, so a later run can remove what a killed one left behind.
 */
export const OWNER_LABEL = 'org.provision.testkit.owner';

export const ownerOf = (pid = process.pid): string => `${hostname()}:${pid}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes (with their anonymous volumes) the test kit's containers whose owning process, on this
 * host, is gone: without Ryuk nothing else removes the containers of a test worker that was killed
 * (vitest ends its workers without `beforeExit`). Returns the ids removed.
 */
export async function removeOrphans(runtime: ContainerRuntime): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [OWNER_LABEL] }));
  const listed = await engineCall(runtime, 'GET', `/containers/json?all=1&filters=${filters}`);
  if (listed.status !== 200 || !Array.isArray(listed.body)) return [];
  const removed: string[] = [];
  for (const c of listed.body as { Id: string; Labels?: Record<string, string> }[]) {
    const [host, pid] = (c.Labels?.[OWNER_LABEL] ?? '').split(':');
    if (host !== hostname() || !pid || alive(Number(pid))) continue;
    const r = await engineCall(runtime, 'DELETE', `/containers/${c.Id}?force=1&v=1`);
    if (r.status === 204 || r.status === 404) removed.push(c.Id);
  }
  return removed;
}
