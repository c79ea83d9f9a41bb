import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProvisionError } from '@provision/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asKafkaError, classifyKafkaError } from './internal/errors.ts';
import { clientCredentialsToken, staticToken } from './oauth-token.ts';
import { kafkajsSasl, kafkajsTls, kafkaSecurity } from './security.ts';

describe('kafkajsTls', () => {
  it('reads the CA, certificate and key files once and verifies the broker by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-tls-'));
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), `${name}\n`);
    const tls = kafkajsTls({
      caFile: join(dir, 'ca.pem'),
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
    });
    expect(tls?.rejectUnauthorized).toBe(true);
    expect(String((tls!.ca as Buffer[])[0])).toBe('ca.pem\n');
    expect(String(tls?.cert)).toBe('cert.pem\n');
    expect(kafkajsTls(true)).toEqual({ rejectUnauthorized: true });
    expect(kafkajsTls(false)).toBeUndefined();
  });

  it('refuses a missing CA file and a certificate without its key, as configuration errors', () => {
    expect(() => kafkajsTls({ caFile: '/nowhere/ca.pem' })).toThrow(/cannot read the CA file \/nowhere\/ca.pem/);
    expect(() => kafkajsTls({ certFile: '/x.pem' })).toThrow(/certificate and its key go together/);
  });
});

describe('kafkajsSasl', () => {
  it('passes SCRAM credentials, and takes OAUTHBEARER through our own mechanism', () => {
    expect(kafkajsSasl({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })).toEqual({
      mechanism: 'scram-sha-512',
      username: 'u',
      password: 'p',
    });
    const sasl = kafkajsSasl({ mechanism: 'oauthbearer', token: staticToken('t0k') });
    expect(sasl?.mechanism).toBe('OAUTHBEARER');
    expect(typeof (sasl as { authenticationProvider?: unknown }).authenticationProvider).toBe('function');
  });
});

describe('clientCredentialsToken', () => {
  let calls: URLSearchParams[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      calls.push(new URLSearchParams(body));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks for a token with the client credentials and reuses it until shortly before it expires', async () => {
    calls = [];
    answer = { status: 200, body: { access_token: 'a1', expires_in: 3600, token_type: 'Bearer' } };
    let now = 0;
    const token = clientCredentialsToken({
      tokenUrl: url,
      clientId: 'kafka-writer',
      clientSecret: 's3cret',
      scope: 'api://kafka/.default',
      now: () => now,
    });
    expect(await Promise.all([token(), token()])).toEqual(['a1', 'a1']);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries(calls[0]!)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'kafka-writer',
      client_secret: 's3cret',
      scope: 'api://kafka/.default',
    });
    now = 3_500_000;
    await token();
    expect(calls).toHaveLength(1);
    answer = { status: 200, body: { access_token: 'a2', expires_in: 3600 } };
    now = 3_550_000;
    expect(await token()).toBe('a2');
  });

  it('says why the endpoint refused, without the secret, and only server errors are retriable', async () => {
    answer = { status: 401, body: { error: 'invalid_client', error_description: 'bad secret' } };
    const token = clientCredentialsToken({ tokenUrl: url, clientId: 'kafka-writer', clientSecret: 'TOPSECRET' });
    const error = await token().catch((e: unknown) => e);
    expect(isProvisionError(error) && error.code).toBe('PRV_KAFKA_AUTH_FAILED');
    expect((error as Error).message).toBe(
      'Kafka OAuth: the token endpoint refused client kafka-writer (HTTP 401): invalid_client: bad secret',
    );
    expect((error as Error).message).not.toContain('TOPSECRET');
    expect(isProvisionError(error) && error.retriable).toBe(false);
    answer = { status: 503, body: {} };
    const later = await token().catch((e: unknown) => e);
    expect(isProvisionError(later) && later.retriable).toBe(true);
  });
});

describe('Kafka errors', () => {
  it('tells refused credentials and ACL denials from an unreachable cluster', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(classifyKafkaError(sasl).code).toBe('PRV_KAFKA_AUTH_FAILED');
    const acl = Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), {
      name: 'KafkaJSProtocolError',
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(classifyKafkaError(new Error('wrapped', { cause: acl })).code).toBe('PRV_KAFKA_NOT_AUTHORIZED');
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(classifyKafkaError(tls).code).toBe('PRV_KAFKA_AUTH_FAILED');
    expect(classifyKafkaError(new Error('Connection timeout')).code).toBe('PRV_KAFKA_UNAVAILABLE');
  });

  it('names what was being done and the likely cause', () => {
    const acl = Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), {
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    const error = asKafkaError('producing to provisioning.results.v1', acl);
    expect(error.code).toBe('PRV_KAFKA_NOT_AUTHORIZED');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(
      'producing to provisioning.results.v1: a Kafka ACL denies this principal: Not authorized to access topics: [Topic authorization failed]',
    );
  });
});

describe('kafkaSecurity', () => {
  const none = { KAFKA_SSL: false, KAFKA_SSL_REJECT_UNAUTHORIZED: true } as const;

  it('is nothing for a plaintext cluster', () => {
    expect(kafkaSecurity(none)).toEqual({});
  });

  it('maps the service variables to TLS and SCRAM, or to OAUTHBEARER with a client-credentials token', () => {
    expect(
      kafkaSecurity({
        ...none,
        KAFKA_SSL: true,
        KAFKA_SSL_CA_FILE: '/ca.pem',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'provision-writer',
        KAFKA_SASL_PASSWORD: 'pw',
      }),
    ).toEqual({
      ssl: { rejectUnauthorized: true, caFile: '/ca.pem' },
      sasl: { mechanism: 'scram-sha-512', username: 'provision-writer', password: 'pw' },
    });
    const oauth = kafkaSecurity({
      ...none,
      KAFKA_SSL: true,
      KAFKA_SASL_MECHANISM: 'oauthbearer',
      KAFKA_OAUTH_TOKEN_URL: 'https://idp.test/token',
      KAFKA_OAUTH_CLIENT_ID: 'c',
      KAFKA_OAUTH_CLIENT_SECRET: 's',
    });
    expect(oauth.sasl?.mechanism).toBe('oauthbearer');
    expect(typeof (oauth.sasl as { token?: unknown }).token).toBe('function');
  });
});
