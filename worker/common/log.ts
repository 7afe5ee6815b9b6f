/**
 * Injectable structured logging (STYLE.md 7): one logger per component with context fields
 * (`run`, `tile`, `worker`). JSON lines in production, readable lines on a TTY. Logs go to stderr
 * so stdout stays for results (decision tables, JSON).
 */
import { pino } from 'pino';

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

export function createLogger(component: string, level: LogLevel = defaultLogLevel()): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)) as unknown as Logger;
}

/** A logger that drops everything (tests, pure code paths). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
