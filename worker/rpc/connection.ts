/**
 * The worker's side of the wire: a typed WorkerService client with the token attached to every call,
 * and the one place where gRPC statuses become typed errors for the worker.
 */
import * as grpc from '@grpc/grpc-js';
import { createClient, type ServiceClient } from '../../proto/grpc-adapter.js';
import { WorkerService } from '../../proto/gen/qusop/v1/worker_service_pb.js';
import './grpc-logging.js';
import { channelCredentials, type ClientTls } from './client-tls.js';
import { AuthError, QusopError, InputError, UnregisteredWorkerError, VersionSkewError } from '../common/errors.js';

export type WorkerClient = ServiceClient<(typeof WorkerService)['method']>;

export function authMetadata(token: string): () => grpc.Metadata {
  return () => {
    const md = new grpc.Metadata();
    try {
      md.set('authorization', `Bearer ${token}`);
    } catch (err) {
      // grpc-js quotes the value in its message: replace it by one that does not
      throw new InputError('the token cannot travel as gRPC metadata (printable ASCII only); value not shown', { cause: new Error(String(err instanceof Error ? err.name : 'Error')) });
    }
    return md;
  };
}

/**
 * Trailing-metadata key by which the coordinator says which FAILED_PRECONDITION a worker call got:
 * `unregistered` (register again and repeat) or `version-skew` (stop: this worker's code differs).
 */
export const REASON_KEY = 'qusop-reason';
export const UNREGISTERED_REASON = 'unregistered';
export const VERSION_SKEW_REASON = 'version-skew';

/** Messages up to 256 MiB: run specs carry model bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export function connectWorkerClient(address: string, token: string, tls?: ClientTls): WorkerClient {
  return createClient(WorkerService, address, channelCredentials(tls), authMetadata(token), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
}

export class TransportError extends QusopError {
  readonly code = 'TRANSPORT';
}

/** The coordinator received the call and refused its content for good (e.g. it could not store the result). */
export class RejectedError extends QusopError {
  readonly code = 'REJECTED';
}

/** gRPC status -> typed error (worker side). */
export function fromGrpcError(err: unknown, what: string): QusopError {
  const e = err as Partial<grpc.ServiceError>;
  const detail = e.details ?? (err instanceof Error ? err.message : String(err));
  switch (e.code) {
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new AuthError(`${what}: coordinator refused the worker: ${detail}`, { cause: err });
    case grpc.status.FAILED_PRECONDITION: {
      const reason = e.metadata?.get(REASON_KEY)[0];
      if (reason === UNREGISTERED_REASON) return new UnregisteredWorkerError(`${what}: ${detail}`, { cause: err, retryable: true });
      if (reason === VERSION_SKEW_REASON) return new VersionSkewError(`${what}: ${detail}`, { cause: err });
      return new InputError(`${what}: ${detail}`, { cause: err });
    }
    case grpc.status.INVALID_ARGUMENT:
      return new InputError(`${what}: ${detail}`, { cause: err });
    case grpc.status.ABORTED:
      return new RejectedError(`${what}: ${detail}`, { cause: err, retryable: false });
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.INTERNAL:
    case grpc.status.CANCELLED:
      return new TransportError(`${what}: ${detail}`, { cause: err, retryable: true });
    default:
      return err instanceof QusopError ? err : new TransportError(`${what}: ${detail}`, { cause: err, retryable: true });
  }
}
