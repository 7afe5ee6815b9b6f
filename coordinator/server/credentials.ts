/** gRPC server credentials: plaintext, TLS (server certificate) or mTLS (client certificates verified). */
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { InputError } from '../../worker/common/errors.js';
import type { CoordinatorOptions } from './options.js';

async function pem(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InputError(`${field} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: path, field } });
  }
}

export async function serverCredentials(o: CoordinatorOptions): Promise<grpc.ServerCredentials> {
  if (o.tlsCert === undefined || o.tlsKey === undefined) return grpc.ServerCredentials.createInsecure();
  const keyPair = { cert_chain: await pem(o.tlsCert, '--tls-cert'), private_key: await pem(o.tlsKey, '--tls-key') };
  const clientCa = o.tlsClientCa === undefined ? null : await pem(o.tlsClientCa, '--tls-client-ca');
  return grpc.ServerCredentials.createSsl(clientCa, [keyPair], clientCa !== null);
}
