/**
 * A client's TLS material (worker, `qusop watch`): read once at start from the --tls-* options; a file
 * that cannot be read is bad input naming the option. No --tls-ca: plaintext.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { InputError } from '../common/errors.js';

export interface ClientTlsOptions {
  /** PEM CA that signed the coordinator's certificate: connect over TLS */
  readonly tlsCa?: string | undefined;
  /** PEM client certificate and key, for coordinators that require mTLS */
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
}

export interface ClientTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export function readClientTls(o: ClientTlsOptions): ClientTls | undefined {
  if (o.tlsCa === undefined) {
    if (o.tlsCert !== undefined || o.tlsKey !== undefined) throw new InputError('--tls-cert/--tls-key need --tls-ca (the CA of the coordinator certificate)', { details: { field: 'tlsCa' } });
    return undefined;
  }
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    const [given, missing] = o.tlsCert === undefined ? ['--tls-key', '--tls-cert'] : ['--tls-cert', '--tls-key'];
    throw new InputError(`${given} needs ${missing} (a client certificate and its private key go together)`, { details: { field: missing } });
  }
  const read = (path: string, field: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new InputError(`${field} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: path, field } });
    }
  };
  return {
    ca: read(o.tlsCa, '--tls-ca'),
    ...(o.tlsCert === undefined ? {} : { cert: read(o.tlsCert, '--tls-cert') }),
    ...(o.tlsKey === undefined ? {} : { key: read(o.tlsKey, '--tls-key') }),
  };
}

export function channelCredentials(tls: ClientTls | undefined): grpc.ChannelCredentials {
  return tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
}
