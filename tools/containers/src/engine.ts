// A Docker engine on this machine: installed from Debian packages when absent, started in the
// background when it does not answer, with a client and `docker compose` (v2) that speak to it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, run, sh } from './run.ts';

/**
 * The socket of an engine this tool starts. Not Docker's default: the test kit switches every test
 * run to containers when an engine answers there, and on a machine shared with others' test runs
 * that must be asked for (DOCKER_HOST), not happen because `containers build` ran once.
 */
export const OWN_SOCKET = '/run/provision-docker/docker.sock';

/** Where the pid of a dockerd this tool started is kept (for `containers stop-engine`). */
const ENGINE_PID_FILE = () => join(cacheDir(), 'dockerd.pid');

/**
 * Stops the dockerd this tool started (its pid file), if it still runs, waiting up to 30 s for it
 * to exit; an engine started otherwise is left alone. Says what it did.
 */
export async function stopOwnEngine(log: (line: string) => void): Promise<void> {
  const file = ENGINE_PID_FILE();
  if (!existsSync(file)) return log('containers: no engine started by this tool');
  const pid = Number(readFileSync(file, 'utf8').trim());
  rmSync(file, { force: true });
  const alive = () => {
    try {
      process.kill(pid, 0);
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 1 || !alive()) return log('containers: the engine this tool started has exited');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  log(alive() ? `containers: dockerd ${pid} still running after 30 s` : `containers: dockerd ${pid} stopped`);
}

async function engineAnswers(): Promise<boolean> {
  return (await run('docker', ['version', '--format', '{{.Server.Version}}'], { quiet: true })).code === 0;
}

/**
 * Debian bookworm's `docker-compose` is Compose v1 (1.29), which cannot read the compose file
 * (`depends_on: { required: false }` needs v2.20+): Compose v2 and buildx come from the Debian
 * release after it (trixie), fetched with a private apt configuration so the machine's sources are
 * left as they are. Both are Go programs needing only libc. Every image is built with BuildKit, so
 * buildx is needed even without Compose (the test kit's images: `build --for-tests`).
 */
async function ensureBuildTools(log: (line: string) => void, options: { compose: boolean }): Promise<void> {
  const packages: string[] = [];
  if ((await run('docker', ['buildx', 'version'], { quiet: true })).code !== 0) packages.push('docker-buildx');
  if (options.compose) {
    const version = await run('docker', ['compose', 'version', '--short'], { quiet: true });
    if (version.code !== 0 || !/^v?2\./.test(version.output.trim())) packages.push('docker-compose');
  }
  if (packages.length === 0) return;
  log(`containers: installing ${packages.join(' and ')} from Debian trixie packages (once)`);
  const dir = join(cacheDir(), 'trixie-apt');
  mkdirSync(join(dir, 'lists', 'partial'), { recursive: true });
  await sh(
    `cat > "$1/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
O="-o Dir::Etc::SourceList=$1/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$1/lists -o Dir::Cache::pkgcache=$1/pkgcache.bin -o Dir::Cache::srcpkgcache=$1/srcpkgcache.bin -o Dir::State::status=/dev/null"
apt-get $O update -qq
cd "$1" && rm -f ./*.deb && shift && apt-get $O download "$@"
DEBIAN_FRONTEND=noninteractive dpkg -i ./*.deb`,
    [dir, ...packages],
  );
}

/**
 * Makes sure a Docker engine answers, installing and starting it if needed (as root), and points
 * DOCKER_HOST of this process (and so of every docker command it runs) at it.
 */
export async function ensureEngine(log: (line: string) => void, options: { compose?: boolean } = {}): Promise<void> {
  if (!process.env['DOCKER_HOST'] && !(await engineAnswers()) && existsSync(OWN_SOCKET)) {
    process.env['DOCKER_HOST'] = `unix://${OWN_SOCKET}`;
  }
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    if (process.getuid?.() !== 0) throw new Error('containers: no Docker engine, and installing one needs root');
    log('containers: installing Docker Engine from Debian packages (apt-get install docker.io)');
    await sh(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose mmdebstrap',
    );
  }
  if (!(await engineAnswers())) {
    if (process.getuid?.() !== 0)
      throw new Error('containers: the Docker engine does not answer, and starting it needs root');
    const logFile = join(cacheDir(), 'dockerd.log');
    mkdirSync(cacheDir(), { recursive: true });
    log(`containers: starting dockerd in the background (log: ${logFile})`);
    const out = openSync(logFile, 'a');
    mkdirSync(dirname(OWN_SOCKET), { recursive: true });
    const child = spawn('dockerd', ['-H', `unix://${OWN_SOCKET}`], { detached: true, stdio: ['ignore', out, out] });
    process.env['DOCKER_HOST'] = `unix://${OWN_SOCKET}`;
    child.unref();
    if (child.pid !== undefined) writeFileSync(ENGINE_PID_FILE(), `${child.pid}\n`);
    const deadline = Date.now() + 60_000;
    while (!(await engineAnswers())) {
      if (Date.now() > deadline) throw new Error(`containers: dockerd did not answer within 60 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await ensureBuildTools(log, { compose: options.compose !== false });
  log(`containers: Docker engine at ${process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock'}`);
}
