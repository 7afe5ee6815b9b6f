/**
 * Why a client could not connect, when gRPC only says "UNAVAILABLE: No connection established": after
 * such a failure one TLS handshake is tried against the coordinator's address with the client's own
 * settings, and its outcome names the mismatch: plaintext client vs TLS server, TLS client vs
 * plaintext server, a server certificate the client's CA did not sign, or a client certificate that
 * is missing or refused (mTLS). Nothing is found for an address that is simply down: the caller keeps
 * retrying then.
 */
import * as tls from 'node:tls';
import type { ClientTls } from './client-tls.js';

const PROBE_MS = 3_000;

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

type Outcome = { kind: 'secure'; alert?: string } | { kind: 'error'; code: string; message: string } | { kind: 'timeout' };

/** One handshake; after it succeeds, waits briefly for an alert (TLS 1.3 servers refuse a client certificate after the handshake). */
function handshake(address: string, t: ClientTls | undefined): Promise<Outcome> {
  const { host, port } = hostPort(address);
  return new Promise<Outcome>((done) => {
    const socket = tls.connect({
      host, port, ALPNProtocols: ['h2'], servername: host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host) ? '' : host,
      ...(t === undefined ? { rejectUnauthorized: false } : { ca: t.ca, ...(t.cert === undefined ? {} : { cert: t.cert }), ...(t.key === undefined ? {} : { key: t.key }) }),
    });
    let secure = false;
    const finish = (o: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      done(o);
    };
    const timer = setTimeout(() => finish(secure ? { kind: 'secure' } : { kind: 'timeout' }), PROBE_MS);
    socket.once('secureConnect', () => {
      secure = true;
      // a server that wants a client certificate says so with an alert right after the handshake
      setTimeout(() => finish({ kind: 'secure' }), 300);
    });
    socket.on('data', () => undefined);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      finish(secure ? { kind: 'secure', alert: `${code} ${err.message}` } : { kind: 'error', code, message: err.message });
    });
  });
}

/** A sentence naming the TLS mismatch with `address`, or undefined when the probe finds none (down, unreachable). */
export async function explainConnectFailure(address: string, t: ClientTls | undefined): Promise<string | undefined> {
  const o = await handshake(address, t);
  if (t === undefined) {
    if (o.kind === 'secure') return `the coordinator at ${address} serves TLS but this client connects in plaintext: give --tls-ca (and --tls-cert/--tls-key if it requires client certificates)`;
    return undefined;
  }
  if (o.kind === 'secure') {
    if (o.alert === undefined) return undefined;
    if (/CERTIFICATE_REQUIRED|alert number 116|HANDSHAKE_FAILURE/i.test(o.alert) && t.cert === undefined) {
      return `the coordinator at ${address} requires a client certificate (mTLS): give --tls-cert and --tls-key`;
    }
    if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|alert number 4[258]/i.test(o.alert)) {
      return `the coordinator at ${address} refused this client certificate (--tls-cert is not signed by the CA it trusts, its --tls-client-ca)`;
    }
    if (t.cert === undefined && /alert/i.test(o.alert)) return `the coordinator at ${address} refused this client after the TLS handshake (does it require a client certificate? give --tls-cert and --tls-key)`;
    // anything else (a reset while the coordinator restarts) is no mismatch: the caller retries
    return undefined;
  }
  if (o.kind === 'timeout') return undefined;
  // an HTTP/2 server without TLS answers a ClientHello with bytes that are no TLS record
  if (/WRONG_VERSION_NUMBER|wrong version number|packet length too long/i.test(`${o.code} ${o.message}`)) {
    return `the coordinator at ${address} does not speak TLS (it serves plaintext gRPC): drop --tls-ca, or start it with --tls-cert/--tls-key`;
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i.test(o.code)) {
    if (o.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the coordinator's certificate does not name ${hostPort(address).host}: connect by a name or address its certificate lists`;
    return `the coordinator's certificate at ${address} is not signed by the CA given with --tls-ca (${o.code})`;
  }
  if (/alert/i.test(o.message) && t.cert === undefined) return `the coordinator at ${address} refused the TLS handshake (does it require a client certificate? give --tls-cert and --tls-key)`;
  return undefined;
}
