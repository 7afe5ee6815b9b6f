/**
 * Credentials (worker and admin tokens): one rule for every side, and a last barrier that keeps their
 * bytes out of every log line and error message.
 *
 * The rule: surrounding whitespace is trimmed (a secret read from a file or a Kubernetes Secret usually
 * ends in a newline), and what is left must be printable ASCII, because it travels as gRPC metadata
 * (`authorization: Bearer <token>`), which allows nothing else. A token breaking the rule is refused
 * before any connection, by a message that names the variable, never the value.
 */
import { InputError } from './errors.js';

/** printable ASCII, no surrounding space: what gRPC metadata carries unchanged */
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

const known = new Set<string>();

/** Registers a secret so that `redactSecrets` hides it; every form a log line could hold it in is kept. */
export function hideSecret(value: string): void {
  if (value.length < 4) return;
  for (const form of [value, value.trim(), JSON.stringify(value).slice(1, -1), JSON.stringify(value.trim()).slice(1, -1)]) if (form.length >= 4) known.add(form);
}

/** `text` with every registered secret replaced by `[redacted]` (longest first, so no tail survives). */
export function redactSecrets(text: string): string {
  if (known.size === 0) return text;
  let out = text;
  for (const s of [...known].sort((a, b) => b.length - a.length)) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * The token in `raw` (from `source`, e.g. "QUSOP_TOKEN"), trimmed and checked; registered as a secret.
 * `minLength` applies to the trimmed token.
 */
export function readToken(raw: string | undefined, source: string, minLength = 1): string {
  if (raw !== undefined) hideSecret(raw);
  const token = raw?.trim() ?? '';
  if (token === '') throw new InputError(`${source} is not set (or only whitespace)`, { details: { field: source } });
  if (!PRINTABLE.test(token)) {
    throw new InputError(`${source}: the token holds a character that is not printable ASCII (gRPC metadata carries only ASCII 0x20-0x7E); value not shown`, { details: { field: source } });
  }
  if (token.length < minLength) throw new InputError(`${source}: the token must be at least ${minLength} characters (after trimming surrounding whitespace); value not shown`, { details: { field: source } });
  return token;
}

/** The same rule as a predicate, for option schemas (library callers that bypass the CLI). */
export const isUsableToken = (t: string): boolean => PRINTABLE.test(t);
