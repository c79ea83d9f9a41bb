import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onFreePorts } from '../free-port.ts';
import { InfraError } from '../infra-error.ts';
import { isAlive, poll, run, tail } from '../internal/run.ts';
import { checkJava } from './broker.ts';
import { log4j2Properties, newClusterId, propertiesText, singleNodeSettings } from './config-files.ts';
import { ensureKafkaJars } from './jars.ts';

/** A SCRAM-SHA-512 user created when the storage is formatted. */
export interface ScramUser {
  name: string;
  password: string;
}

/** OAUTHBEARER validated against a JSON Web Key Set (signature, issuer, audience, expiry). */
export interface OAuthValidation {
  /** A JWKS file (`{"keys":[…]}`), read by the broker through a `file:` URL. */
  jwksFile: string;
  issuer: string;
  audience: string;
}

/** What the secured broker is started with. */
export interface SecureKafkaOptions {
  /** Its own directory: storage, certificates, configuration, `server.log`. Removed by `stop()`. */
  dir: string;
  /** Where the Kafka jars are cached (`infraPaths().jarCacheDir`). */
  jarCacheDir: string;
  /** The super user (ACL administration, inter-broker traffic). */
  admin: ScramUser;
  /** Further SCRAM users: the services' principals. */
  users?: readonly ScramUser[];
  /** Also accept OAUTHBEARER on the listener. */
  oauth?: OAuthValidation;
  log?: (line: string) => void;
}

/** A running secured broker. */
export interface SecureKafka {
  /** `127.0.0.1:<port>` of the SASL_SSL listener. */
  brokers: string;
  /** PEM of the CA that signed the broker's certificate: what clients trust. */
  caFile: string;
  /** A PEM certificate signed by another CA: what clients must not trust. */
  untrustedCaFile: string;
  logFile: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

async function openssl(args: string[], cwd: string): Promise<void> {
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run('openssl', args, { cwd, timeoutMs: 60_000 });
  } catch (error) {
    throw new InfraError('`openssl` is needed to make the test certificates, and it could not be run.', {
      cause: error,
    });
  }
  if (result.code !== 0) throw new InfraError(`openssl ${args[0]} failed:\n${tail(result.output)}`);
}

/**
 * A CA, a broker certificate for 127.0.0.1 and localhost signed by it (in a PKCS#12 keystore),
 * and a second, unrelated CA. Made fresh for every broker: nothing secret outlives it.
 */
async function makeCertificates(dir: string, storePassword: string): Promise<{ keystore: string }> {
  const days = ['-days', '2'];
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    await openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        ...days,
        '-subj',
        `/CN=provision ${name}`,
      ],
      dir,
    );
  }
  await openssl(['req', '-new', ...ec, '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'], dir);
  await writeFile(join(dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    ['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem']
      .concat(days)
      .concat(['-extfile', 'broker.ext']),
    dir,
  );
  await openssl(
    ['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-name', 'broker'].concat(
      ['-out', 'broker.p12', '-passout', `pass:${storePassword}`],
    ),
    dir,
  );
  return { keystore: join(dir, 'broker.p12') };
}

const jaasValue = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');

/**
 * The broker's configuration: one SASL_SSL listener for clients and for itself (SCRAM-SHA-512, and
 * OAUTHBEARER when asked), the controller on a SASL_PLAINTEXT loopback listener with PLAIN (KRaft
 * controllers cannot use SCRAM: its credentials live in the metadata they serve), the
 * StandardAuthorizer denying whatever no ACL allows, and the admin and controller as super users.
 */
export function secureServerProperties(options: {
  dataDir: string;
  port: number;
  controllerPort: number;
  keystore: string;
  storePassword: string;
  caFile: string;
  admin: ScramUser;
  controllerPassword: string;
  oauth?: OAuthValidation;
}): string {
  const { port, controllerPort: cport, admin, oauth } = options;
  const controllerJaas =
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `username="controller" password="${options.controllerPassword}" user_controller="${options.controllerPassword}";`;
  return propertiesText({
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${cport}`,
    listeners: `SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'SASL_SSL',
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT',
    'log.dirs': options.dataDir,
    ...singleNodeSettings(),
    'sasl.enabled.mechanisms': oauth ? 'SCRAM-SHA-512,OAUTHBEARER' : 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
      `username="${jaasValue(admin.name)}" password="${jaasValue(admin.password)}";`,
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': controllerJaas,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': options.keystore,
    'ssl.keystore.password': options.storePassword,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': options.caFile,
    'ssl.endpoint.identification.algorithm': 'https',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': `User:${admin.name};User:controller`,
    ...(oauth
      ? {
          'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config':
            'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
          'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class':
            'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
          'sasl.oauthbearer.jwks.endpoint.url': `file://${oauth.jwksFile}`,
          'sasl.oauthbearer.expected.issuer': oauth.issuer,
          'sasl.oauthbearer.expected.audience': oauth.audience,
        }
      : {}),
  });
}

/**
 * Starts a second, secured single-node broker on free ports beside the development one: TLS with a
 * CA made for it, SCRAM-SHA-512 users created at format time (`--add-scram`), ACLs enforced. For
 * tests of authentication and authorization; `stop()` kills it and removes its directory.
 */
export async function startSecureKafka(options: SecureKafkaOptions): Promise<SecureKafka> {
  const log = options.log ?? (() => undefined);
  await checkJava();
  const libs = await ensureKafkaJars(options.jarCacheDir, log);
  // Its properties name its ports before it binds them: when one was taken in between, the broker
  // exits with a BindException in its log, and it starts again from scratch on new ports.
  return onFreePorts(2, ([port, controllerPort]) =>
    startBroker(options, { libs, log, port: port as number, controllerPort: controllerPort as number }),
  );
}

async function startBroker(
  options: SecureKafkaOptions,
  {
    libs,
    log,
    port,
    controllerPort,
  }: { libs: string; log: (line: string) => void; port: number; controllerPort: number },
): Promise<SecureKafka> {
  const dir = options.dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  const storePassword = randomBytes(12).toString('hex');
  const { keystore } = await makeCertificates(dir, storePassword);
  const f = {
    properties: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    log: join(dir, 'server.log'),
    ca: join(dir, 'ca.pem'),
  };
  await writeFile(
    f.properties,
    secureServerProperties({
      dataDir: join(dir, 'data'),
      port,
      controllerPort,
      keystore,
      storePassword,
      caFile: f.ca,
      admin: options.admin,
      controllerPassword: randomBytes(12).toString('hex'),
      ...(options.oauth ? { oauth: options.oauth } : {}),
    }),
  );
  await writeFile(f.log4j, log4j2Properties());

  // Only the JWKS file may be read through OAUTHBEARER settings (Kafka refuses other URLs and files).
  const sysProps = options.oauth
    ? [
        `-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=file://${options.oauth.jwksFile}`,
        `-Dorg.apache.kafka.sasl.oauthbearer.allowed.files=${options.oauth.jwksFile}`,
      ]
    : [];
  const java = [`-Dlog4j2.configurationFile=${f.log4j}`, ...sysProps, '-cp', join(libs, '*')];
  const scram = [options.admin, ...(options.users ?? [])].flatMap((u) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`,
  ]);
  const clusterId = newClusterId();
  const format = await run(
    'java',
    [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', f.properties, ...scram],
    { timeoutMs: 120_000 },
  );
  if (format.code !== 0)
    throw new InfraError(`Formatting the secured broker's storage failed:\n${tail(format.output)}`);

  log(`infra: starting a secured Kafka broker on 127.0.0.1:${port} (log: ${f.log})`);
  const out = openSync(f.log, 'a');
  const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
  const child = spawn('java', [...jvm, `-Dkafka.logs.dir=${dir}`, ...java, 'kafka.Kafka', f.properties], {
    cwd: dir,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new InfraError('Could not launch `java` for the secured Kafka broker.');
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited && isAlive(pid)) {
      child.kill('SIGKILL');
      await poll(() => exited || !isAlive(pid), 10_000, 100);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const started = await poll(
    async () => exited || (existsSync(f.log) && /Kafka Server started/.test(await readFile(f.log, 'utf8'))),
    START_TIMEOUT_MS,
    250,
  );
  if (!started || exited) {
    const logTail = existsSync(f.log) ? tail(await readFile(f.log, 'utf8'), 30) : '(no log)';
    child.kill('SIGKILL');
    throw new InfraError(
      `The secured Kafka broker ${exited ? 'exited' : `did not start within ${START_TIMEOUT_MS / 1000} s`}:\n${logTail}`,
    );
  }
  return {
    brokers: `127.0.0.1:${port}`,
    caFile: f.ca,
    untrustedCaFile: join(dir, 'other-ca.pem'),
    logFile: f.log,
    stop,
  };
}
