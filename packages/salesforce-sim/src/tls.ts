import { generate } from 'selfsigned';

/** A key pair and self-signed certificate, PEM-encoded. */
export interface CertificateMaterial {
  readonly certificate: string;
  readonly privateKey: string;
}

/** A self-signed server certificate for HTTPS on the loopback interface (127.0.0.1, ::1, localhost). */
export async function createTlsMaterial(): Promise<CertificateMaterial> {
  const result = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { certificate: result.cert, privateKey: result.private };
}

/** The certificate a connected app holds for the JWT bearer flow, with the key that signs assertions. */
export async function createSigningMaterial(commonName: string): Promise<CertificateMaterial> {
  const result = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86_400_000),
  });
  return { certificate: result.cert, privateKey: result.private };
}
