import kafkajs, { type Mechanism } from 'kafkajs';
import type { KafkaTokenProvider } from '../oauth-token.ts';

// kafkajs (CommonJS) spreads its error classes into its exports, where Node's ESM cannot name them.
// Its typings declare the constructor without the message it takes.
const SaslAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const SOH = '\u0001';

/** Kafka "bytes": a 32-bit big-endian length, then the bytes. */
function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function unprefixed(bytes: Buffer | undefined): Buffer {
  if (!bytes || bytes.length < 4) return Buffer.alloc(0);
  return bytes.readInt32BE(0) === bytes.length - 4 ? bytes.subarray(4) : bytes;
}

/**
 * SASL/OAUTHBEARER (RFC 7628), replacing kafkajs's own: a broker that refuses the token answers
 * with a JSON error challenge (`{"status":"invalid_token"}`) and error code 0, which kafkajs 2.2.4
 * takes for success, so the connection "authenticates" and then fails with "No brokers in the
 * broker pool". Here a non-empty answer is the refusal it is, with the broker's status.
 */
export function oauthBearerMechanism(token: KafkaTokenProvider): Mechanism {
  return {
    mechanism: 'OAUTHBEARER',
    authenticationProvider: ({ host, port, saslAuthenticate }) => ({
      async authenticate() {
        const value = await token();
        const message = `n,,${SOH}auth=Bearer ${value}${SOH}${SOH}`;
        const answer = await saslAuthenticate<Buffer>({
          request: { encode: () => lengthPrefixed(Buffer.from(message, 'utf8')) },
          response: { decode: (raw) => raw, parse: (data) => data },
        });
        const challenge = unprefixed(answer ?? undefined).toString('utf8');
        if (challenge === '') return;
        let status = challenge;
        try {
          status = String((JSON.parse(challenge) as { status?: unknown }).status ?? challenge);
        } catch {
          // not JSON: report it as it came
        }
        throw new SaslAuthenticationError(
          `SASL OAUTHBEARER authentication failed: ${host}:${port} refused the token (${status.slice(0, 200)})`,
        );
      },
    }),
  };
}
