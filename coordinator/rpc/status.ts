/** The one place where typed errors become gRPC statuses (coordinator side). */
import * as grpc from '@grpc/grpc-js';
import { AuthError, InputError, ModelError, PermissionError, QusopError, RunError, ShardError, UnregisteredWorkerError, VersionSkewError } from '../../worker/common/errors.js';
import { REASON_KEY, UNREGISTERED_REASON, VERSION_SKEW_REASON } from '../../worker/rpc/connection.js';

const reason = (r: string): grpc.Metadata => {
  const metadata = new grpc.Metadata();
  metadata.set(REASON_KEY, r);
  return metadata;
};

export function toGrpcStatus(err: unknown): Partial<grpc.StatusObject> {
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof PermissionError) return { code: grpc.status.PERMISSION_DENIED, details };
  if (err instanceof AuthError) return { code: grpc.status.UNAUTHENTICATED, details };
  if (err instanceof InputError || err instanceof ModelError) return { code: grpc.status.INVALID_ARGUMENT, details };
  if (err instanceof UnregisteredWorkerError) return { code: grpc.status.FAILED_PRECONDITION, details, metadata: reason(UNREGISTERED_REASON) };
  if (err instanceof VersionSkewError) return { code: grpc.status.FAILED_PRECONDITION, details, metadata: reason(VERSION_SKEW_REASON) };
  if (err instanceof RunError) return { code: grpc.status.FAILED_PRECONDITION, details };
  // the result arrived but cannot be stored or does not check out: the coordinator has already re-queued the tile
  if (err instanceof ShardError) return { code: grpc.status.ABORTED, details };
  if (err instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details };
  return { code: grpc.status.INTERNAL, details };
}

export class NotFoundError extends QusopError {
  readonly code = 'NOT_FOUND';
}
