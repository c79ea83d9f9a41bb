import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureCertificates, type GraphSim } from '@provision/graph-sim';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An RSA signing key the services trust beside graph-sim's own (see `startKeySet`). */
export interface TrustedKey {
  readonly kid: string;
  readonly privateKey: PrivateKey;
  readonly publicJwk: JWK;
}

export interface KeySet {
  /** `AUTH_JWKS_URL` for the services: graph-sim's published keys plus `key`. */
  readonly url: string;
  readonly key: TrustedKey;
  /** Presents a certificate of graph-sim's CA (which the services trust) and proxies its keys. */
  serveFor(graph: GraphSim): Promise<void>;
  close(): Promise<void>;
}

/**
 * The tenant's key set as the services read it, with one more key in it: graph-sim's published key
 * and a test key, as Entra publishes several keys while it rolls one over. graph-sim signs only the
 * tokens its flows issue; with a trusted key of its own the suite can sign any claim — expired,
 * not yet valid, another audience, issuer or tenant, any roles — and show each is refused for that
 * reason alone, not for its signature.
 *
 * It starts before the pipeline (so `url` can be given to the services) with a throw-away
 * certificate, and once graph-sim is up, `serveFor` switches to one from graph-sim's CA.
 */
export async function startKeySet(): Promise<KeySet> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `security-suite-${Date.now().toString(36)}`;
  const key: TrustedKey = {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' },
  };
  const scratch = await ensureCertificates(await mkdtemp(join(tmpdir(), 'security-keys-')), ['127.0.0.1']);
  let upstream: string | undefined;
  const server: Server = createServer({ key: scratch.key, cert: scratch.cert }, (request, response) => {
    if (request.url !== '/keys' || upstream === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    fetch(upstream)
      .then((r) => r.json() as Promise<{ keys: JWK[] }>)
      .then((published) => {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: [...published.keys, key.publicJwk] }));
      })
      .catch(() => response.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}/keys`,
    key,
    async serveFor(graph) {
      const certs = await ensureCertificates(dirname(graph.caCertPath), ['127.0.0.1', 'localhost']);
      server.setSecureContext({ key: certs.key, cert: certs.cert });
      upstream = graph.signIn.jwksUri;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
