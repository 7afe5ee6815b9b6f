/**
 * Injectable structured logging (STYLE.md 7): one logger per component with context fields
 * (`run`, `tile`, `worker`). JSON lines in production, readable lines (pino-pretty) when stderr is a
 * terminal (coloured unless NO_COLOR is set), unless QUSOP_LOG_FORMAT=json. Logs go to stderr so
 * stdout stays for results (decision tables, JSON).
 */
import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { PinoPretty as PinoPrettyFactory } from 'pino-pretty';
import { redactSecrets } from './secrets.js';

export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Level from QUSOP_LOG_LEVEL, else `info`. */
export function defaultLogLevel(): LogLevel {
  const v = process.env['QUSOP_LOG_LEVEL'];
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'info';
}

/** Readable lines for a person at a terminal; JSON for collectors, files and pipes (or when asked for). */
export function logFormat(stream: { readonly isTTY?: boolean } = process.stderr): 'pretty' | 'json' {
  return stream.isTTY === true && process.env['QUSOP_LOG_FORMAT'] !== 'json' ? 'pretty' : 'json';
}

/** `stream` is for tests; by default stderr (fd 2, written synchronously so nothing is lost at exit). */
export function createLogger(component: string, level: LogLevel = defaultLogLevel(), stream: NodeJS.WritableStream & { readonly isTTY?: boolean } = process.stderr): Logger {
  // every line passes redactSecrets last: no message, field or library error can carry a token out
  const options = { level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime, hooks: { streamWrite: redactSecrets } };
  if (logFormat(stream) === 'json') return pino(options, stream === process.stderr ? pino.destination(2) : stream) as unknown as Logger;
  // [08:02:30] WARN: worker: coordinator call failed; retrying {"retryInMs":100}, then an `err` line
  // loaded only here: JSON processes (workers, services, CI) skip its ~20 ms of module loading
  const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as { PinoPretty: typeof PinoPrettyFactory };
  const pretty = PinoPretty({
    destination: stream === process.stderr ? 2 : stream, sync: true, colorize: stream === process.stderr && process.env['NO_COLOR'] === undefined, singleLine: true,
    translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,component', messageFormat: '{component}: {msg}',
  });
  return pino(options, pretty) as unknown as Logger;
}

/** A logger that drops everything (tests, pure code paths). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
