// Every image the Dockerfile and docker-compose.yml name, built on this machine because no image
// registry answers here, tagged with the names they use so both files stay as anyone with a
// registry would run them:
//   debian:trixie-slim   mmdebstrap's minbase of Debian trixie, imported (cached as a tarball)
//   node:24-slim         that + the Node binary and npm from the npm registry (./pnpmw's Node)
//   apache/kafka:<v>     that + Debian's Java 21 + the broker's jars from Maven Central (tools/infra's version)
//   redis:8-alpine       that + Debian's redis-server 8 (the tag's name; it is Debian, not Alpine)
//   postgres:17          that + Debian's PostgreSQL 17
//   provision:local      the real Dockerfile
// A base image is rebuilt only when its recipe (the files under images/<name>, the versions)
// changes: each carries the recipe's hash as a label.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brokerPom } from '../../infra/src/kafka/jars.ts';
import { KAFKA_VERSION } from '../../infra/src/settings.ts';
import { REPO_ROOT } from './bundle.ts';
import { cacheDir, must, run, sh } from './run.ts';

const IMAGES_DIR = join(import.meta.dirname, '..', 'images');
const DEBIAN_SUITE = 'trixie';
export const DEBIAN_IMAGE = `debian:${DEBIAN_SUITE}-slim`;
export const NODE_IMAGE = 'node:24-slim';
export const KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;
export const REDIS_IMAGE = 'redis:8-alpine';
export const POSTGRES_IMAGE = 'postgres:17';
export const PROVISION_IMAGE = process.env['PROVISION_IMAGE'] ?? 'provision:local';
const RECIPE_LABEL = 'org.provision.recipe';
/** Certificates this machine trusts beyond Debian's, given to the Node image's npm and pnpm. */
const EXTRA_CA_DIR = '/usr/local/share/ca-certificates';

/** Node's version as ./pnpmw pins it. */
export function pinnedNodeVersion(): string {
  const version = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'pnpmw'), 'utf8'))?.[1];
  if (!version) throw new Error('containers: NODE_VERSION not found in ./pnpmw');
  return version;
}

function hashOf(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

async function recipeOf(image: string): Promise<string | undefined> {
  const r = await run(
    'docker',
    ['image', 'inspect', '--format', `{{ index .Config.Labels "${RECIPE_LABEL}" }}`, image],
    {
      quiet: true,
    },
  );
  return r.code === 0 ? r.output.trim() : undefined;
}

export interface BuiltImage {
  image: string;
  seconds: number;
  skipped: boolean;
}

async function timed(image: string, work: () => Promise<boolean>): Promise<BuiltImage> {
  const started = Date.now();
  const built = await work();
  return { image, seconds: Math.round((Date.now() - started) / 100) / 10, skipped: !built };
}

/** debian:trixie-slim from mmdebstrap (its output cached as a tarball). */
async function debianImage(log: (line: string) => void): Promise<BuiltImage> {
  return timed(DEBIAN_IMAGE, async () => {
    const recipe = hashOf(['mmdebstrap', DEBIAN_SUITE, 'minbase', 'ca-certificates']);
    if ((await recipeOf(DEBIAN_IMAGE)) === recipe) return false;
    const tarball = join(cacheDir(), `debian-${DEBIAN_SUITE}-minbase.tar`);
    if (!existsSync(tarball)) {
      log(`containers: debootstrapping Debian ${DEBIAN_SUITE} with mmdebstrap (once; cached in ${tarball})`);
      if ((await run('mmdebstrap', ['--version'], { quiet: true })).code !== 0) {
        await sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap');
      }
      const partial = `${tarball}.${process.pid}.tmp`;
      await must('mmdebstrap', [
        '--variant=minbase',
        '--include=ca-certificates',
        '--format=tar',
        DEBIAN_SUITE,
        partial,
        'http://deb.debian.org/debian',
      ]);
      await rename(partial, tarball);
    }
    log(`containers: importing ${tarball} as ${DEBIAN_IMAGE}`);
    await must('docker', [
      'import',
      '--change',
      `LABEL ${RECIPE_LABEL}=${recipe}`,
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["bash"]',
      tarball,
      DEBIAN_IMAGE,
    ]);
    return true;
  });
}

/** Builds `images/<dir>` (plus extra context prepared by `prepare`) as `image`, unless its recipe is unchanged. */
async function baseImage(
  image: string,
  dir: string,
  log: (line: string) => void,
  options: { args?: Record<string, string>; extraRecipe?: string[]; prepare?: (context: string) => Promise<void> } = {},
): Promise<BuiltImage> {
  return timed(image, async () => {
    const source = join(IMAGES_DIR, dir);
    const debianRecipe = (await recipeOf(DEBIAN_IMAGE)) ?? '';
    const recipe = hashOf([
      debianRecipe,
      ...filesUnder(source).flatMap((f) => [f.slice(source.length), readFileSync(f)]),
      JSON.stringify(options.args ?? {}),
      ...(options.extraRecipe ?? []),
    ]);
    if ((await recipeOf(image)) === recipe) return false;
    log(`containers: building ${image}`);
    const context = join(cacheDir(), 'context', dir);
    await rm(context, { recursive: true, force: true });
    await mkdir(context, { recursive: true });
    await cp(source, context, { recursive: true });
    await options.prepare?.(context);
    const args = Object.entries({ DEBIAN_IMAGE, ...options.args }).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await must('docker', ['build', '--label', `${RECIPE_LABEL}=${recipe}`, ...args, '-t', image, context], {
      env: { DOCKER_BUILDKIT: '1' },
      quiet: true,
    });
    await rm(context, { recursive: true, force: true });
    return true;
  });
}

/** The npm that goes with Node in the image: the newest 11.x, packed from the npm registry (cached). */
async function npmTarball(): Promise<{ version: string; file: string }> {
  const dir = join(cacheDir(), 'npm');
  await mkdir(dir, { recursive: true });
  const cached = readdirSync(dir).find((f) => /^npm-11\.\d+\.\d+\.tgz$/.test(f));
  if (cached) return { version: cached.slice(4, -4), file: join(dir, cached) };
  const packed = (await must('npm', ['pack', '--silent', 'npm@11'], { cwd: dir, quiet: true }))
    .trim()
    .split('\n')
    .at(-1)!;
  return { version: packed.slice(4, -4), file: join(dir, packed) };
}

/** Kafka's jars (the broker's, as tools/infra resolves them, plus kafka-tools for the health check's command). */
async function kafkaJars(log: (line: string) => void): Promise<string> {
  const dir = join(cacheDir(), `kafka-${KAFKA_VERSION}-image`);
  const libs = join(dir, 'libs');
  if (existsSync(join(dir, 'libs.complete'))) return libs;
  log(`containers: resolving Kafka ${KAFKA_VERSION} jars with Maven (once; cached in ${libs})`);
  await mkdir(dir, { recursive: true });
  const toolsDependency = `    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
  </dependencies>`;
  const pom = brokerPom().replace('  </dependencies>', toolsDependency);
  await writeFile(join(dir, 'pom.xml'), pom);
  await rm(libs, { recursive: true, force: true });
  await must(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(dir, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { quiet: true },
  );
  await writeFile(join(dir, 'libs.complete'), `${KAFKA_VERSION}\n`);
  return libs;
}

function jarList(libs: string): string {
  return readdirSync(libs).sort().join('\n');
}

export interface BuildReport {
  images: BuiltImage[];
  provision: { image: string; seconds: number; sizeMB: number };
}

/**
 * Builds every base image that is missing or out of date, then the Provision image; `only: 'base'`
 * stops before the Provision image, `only: 'tests'` builds just what the test kit's containers run
 * (Kafka, Redis, PostgreSQL and the Debian image under them).
 */
export async function buildImages(
  log: (line: string) => void,
  options: { only?: 'base' | 'tests' } = {},
): Promise<BuildReport> {
  const images: BuiltImage[] = [];
  images.push(await debianImage(log));
  if (options.only !== 'tests') images.push(await nodeImage(log));
  images.push(...(await serverImages(log)));
  for (const i of images) log(`containers: ${i.image} ${i.skipped ? 'up to date' : `built in ${i.seconds} s`}`);
  if (options.only !== undefined) return { images, provision: { image: PROVISION_IMAGE, seconds: 0, sizeMB: 0 } };
  return { images, provision: await provisionImage(log) };
}

async function nodeImage(log: (line: string) => void): Promise<BuiltImage> {
  const nodeVersion = pinnedNodeVersion();
  const npm = await npmTarball();
  return baseImage(NODE_IMAGE, 'node', log, {
    args: { NODE_VERSION: nodeVersion },
    extraRecipe: [
      npm.version,
      ...(existsSync(EXTRA_CA_DIR)
        ? readdirSync(EXTRA_CA_DIR).map((f) => readFileSync(join(EXTRA_CA_DIR, f), 'utf8'))
        : []),
    ],
    prepare: async (context) => {
      const node = join(REPO_ROOT, '.toolchain', 'node_modules', 'node', 'bin', 'node');
      const version = (await must(node, ['--version'], { quiet: true })).trim();
      if (version !== `v${nodeVersion}`) {
        throw new Error(`containers: ${node} is ${version}, not v${nodeVersion}; run ./pnpmw once to bring it`);
      }
      await cp(node, join(context, 'node'));
      await mkdir(join(context, 'extra-ca'));
      for (const f of existsSync(EXTRA_CA_DIR) ? readdirSync(EXTRA_CA_DIR).filter((n) => n.endsWith('.crt')) : []) {
        await cp(join(EXTRA_CA_DIR, f), join(context, 'extra-ca', f));
      }
      await mkdir(join(context, 'npm'));
      await must('tar', ['-xzf', npm.file, '-C', join(context, 'npm'), '--strip-components=1']);
    },
  });
}

/** Kafka, Redis and PostgreSQL, as the compose file and the test kit name them. */
async function serverImages(log: (line: string) => void): Promise<BuiltImage[]> {
  const libs = await kafkaJars(log);
  return [
    await baseImage(KAFKA_IMAGE, 'kafka', log, {
      extraRecipe: [KAFKA_VERSION, jarList(libs)],
      prepare: async (context) => {
        await cp(libs, join(context, 'libs'), { recursive: true });
      },
    }),
    await baseImage(REDIS_IMAGE, 'redis', log),
    await baseImage(POSTGRES_IMAGE, 'postgres', log),
  ];
}

async function provisionImage(log: (line: string) => void): Promise<BuildReport['provision']> {
  log(`containers: building ${PROVISION_IMAGE} from the Dockerfile`);
  const started = Date.now();
  await must('docker', ['build', '-t', PROVISION_IMAGE, REPO_ROOT], { env: { DOCKER_BUILDKIT: '1' } });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const size = Number(
    (await must('docker', ['image', 'inspect', '--format', '{{.Size}}', PROVISION_IMAGE], { quiet: true })).trim(),
  );
  const sizeMB = Math.round(size / 1e5) / 10;
  log(`containers: ${PROVISION_IMAGE} built in ${seconds} s, ${sizeMB} MB`);
  return { image: PROVISION_IMAGE, seconds, sizeMB };
}
