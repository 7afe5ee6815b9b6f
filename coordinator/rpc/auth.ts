/**
 * Token authentication for both services: every call carries `authorization: Bearer <token>`.
 * Compared in constant time; the token itself is never logged.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { AuthError } from '../../worker/common/errors.js';

export function makeTokenCheck(token: string): (call: { metadata: grpc.Metadata; getPeer(): string }) => void {
  const expected = createHash('sha256').update(token).digest();
  return (call) => {
    const header = call.metadata.get('authorization')[0];
    const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (presented === undefined) throw new AuthError(`missing bearer token from ${call.getPeer()}`);
    const got = createHash('sha256').update(presented).digest();
    if (!timingSafeEqual(got, expected)) throw new AuthError(`invalid token from ${call.getPeer()}`);
  };
}
