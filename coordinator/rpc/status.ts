/** The one place where typed errors become gRPC statuses (coordinator side). */
import * as grpc from '@grpc/grpc-js';
import { AuthError, InputError, ModelError, QusopError, RunError } from '../../worker/common/errors.js';

export function toGrpcStatus(err: unknown): Partial<grpc.StatusObject> {
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof AuthError) return { code: grpc.status.UNAUTHENTICATED, details };
  if (err instanceof InputError || err instanceof ModelError) return { code: grpc.status.INVALID_ARGUMENT, details };
  if (err instanceof RunError) return { code: grpc.status.FAILED_PRECONDITION, details };
  if (err instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details };
  return { code: grpc.status.INTERNAL, details };
}

export class NotFoundError extends QusopError {
  readonly code = 'NOT_FOUND';
}
