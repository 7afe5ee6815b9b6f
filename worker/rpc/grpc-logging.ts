/**
 * grpc-js logs some errors itself (console.error by default), outside our structured logger. Its
 * lines go to stderr through redactSecrets, so that no library message can carry a token out.
 */
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { redactSecrets } from '../common/secrets.js';

const write = (...args: unknown[]): void => void process.stderr.write(`${redactSecrets(format(...args))}\n`);
grpc.setLogger({ error: write, info: write, debug: write } as unknown as Console);
