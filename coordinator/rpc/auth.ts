/**
 * Authentication and roles for both services: every call carries `authorization: Bearer <token>`.
 * Two credentials, two roles: the worker token (WorkerService; watching runs and reading results) and
 * the admin token (SubmitRun, CancelRun, and everything a worker may do on RunService). Compared in
 * constant time; a token itself is never logged.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { AuthError, PermissionError } from '../../worker/common/errors.js';

export type Role = 'worker' | 'admin';
type Call = { metadata: grpc.Metadata; getPeer(): string };

const digest = (t: string): Buffer => createHash('sha256').update(t).digest();

/** The role a call's token grants, or an AuthError (missing or unknown token). */
export function makeRoleCheck(tokens: { readonly worker: string; readonly admin?: string | undefined }): (call: Call) => Role {
  const worker = digest(tokens.worker);
  const admin = tokens.admin === undefined ? undefined : digest(tokens.admin);
  return (call) => {
    const header = call.metadata.get('authorization')[0];
    const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (presented === undefined || presented === '') throw new AuthError(`missing bearer token from ${call.getPeer()}`);
    const got = digest(presented);
    // both comparisons always run: the time taken says nothing about which token was close
    const isWorker = timingSafeEqual(got, worker);
    const isAdmin = admin !== undefined && timingSafeEqual(got, admin);
    if (isAdmin) return 'admin';
    if (isWorker) return 'worker';
    throw new AuthError(`invalid token from ${call.getPeer()}`);
  };
}

/** Refuses a call whose role is not among `allowed` (PERMISSION_DENIED), naming the credential needed. */
export function requireRole(role: Role, allowed: readonly Role[], method: string, adminConfigured: boolean): void {
  if (allowed.includes(role)) return;
  if (allowed.includes('admin') && !adminConfigured) {
    throw new PermissionError(`${method} is disabled: this coordinator has no admin token (start it with QUSOP_ADMIN_TOKEN set)`);
  }
  const needed = allowed.includes('admin') ? 'the admin token (QUSOP_ADMIN_TOKEN)' : 'the worker token (QUSOP_TOKEN)';
  throw new PermissionError(`${method} needs ${needed}; the ${role} token may not call it`);
}
