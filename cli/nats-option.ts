/**
 * The `--nats` option: a NATS server URL, or a comma-separated list of them, checked when the command
 * line is read, so that a typo fails at once with exit 2 instead of being retried in the background
 * for the whole run (an unreachable but well-formed server is still only logged: an outage never stops
 * a run).
 */
import type { Options } from 'yargs';
import { InputError } from '../worker/common/errors.js';

/** Schemes the nats client connects with; a bare host[:port] means nats://. */
const SCHEMES = new Set(['nats:', 'tls:']);

export function natsOption<O extends Pick<Options, 'describe'>>(settings: O): readonly ['nats', O & { type: 'string'; nargs: 1; coerce: (v: unknown) => string | undefined }] {
  return ['nats', { ...settings, type: 'string', nargs: 1, coerce: checkNatsUrl }];
}

export function checkNatsUrl(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const bad = (why: string): never => {
    throw new InputError(`--nats: expected a NATS server URL like nats://host:4222 (or host:4222; several separated by commas), got ${JSON.stringify(text)}: ${why}`, {
      details: { field: 'nats', value: text },
    });
  };
  if (text.trim() === '') bad('empty');
  for (const server of text.split(',')) {
    const s = server.trim();
    if (/\s/.test(s)) bad(`"${s}" contains whitespace`);
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `nats://${s}`);
    } catch {
      return bad(`"${s}" is not a URL`);
    }
    if (!SCHEMES.has(url.protocol)) bad(`scheme ${url.protocol.slice(0, -1)} is not one of nats, tls`);
    if (url.hostname === '') bad(`"${s}" names no host`);
    if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') bad(`"${s}" has a path or query; a NATS server URL has none`);
  }
  return text;
}
