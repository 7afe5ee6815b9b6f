/**
 * Binds protobuf-es v2 service descriptors (generated in proto/gen/) to @grpc/grpc-js: a grpc-js
 * ServiceDefinition for servers and a promise-based typed client. This is the only place that knows
 * how messages become bytes on the wire; message types are never copied by hand.
 */
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import * as grpc from '@grpc/grpc-js';

type AnyMethod = DescMethod;

function methodDefinition(method: AnyMethod): grpc.MethodDefinition<unknown, unknown> {
  const input = method.input as DescMessage;
  const output = method.output as DescMessage;
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: (m: unknown) => Buffer.from(toBinary(input, m as MessageShape<DescMessage>)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: (m: unknown) => Buffer.from(toBinary(output, m as MessageShape<DescMessage>)),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
    originalName: method.localName,
  };
}

export function serviceDefinition(service: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) def[m.localName] = methodDefinition(m);
  return def as grpc.ServiceDefinition;
}

/** Server handlers: unary methods return the response (or init shape) or throw; streams get a writer. */
export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (req: MessageShape<I>, call: grpc.ServerUnaryCall<MessageShape<I>, MessageShape<O>>) => Promise<MessageInitShape<O>>;
export type StreamHandler<I extends DescMessage, O extends DescMessage> = (req: MessageShape<I>, call: grpc.ServerWritableStream<MessageShape<I>, MessageShape<O>>) => Promise<void>;

export type ServiceHandlers<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]['methodKind'] extends 'unary'
    ? UnaryHandler<S[K]['input'], S[K]['output']>
    : StreamHandler<S[K]['input'], S[K]['output']>;
};

/** Adapts promise-based handlers; a thrown error becomes a gRPC status through `toStatus`. */
export function serviceImplementation<S extends GenServiceMethods>(
  service: GenService<S>,
  handlers: ServiceHandlers<S>,
  toStatus: (err: unknown) => Partial<grpc.StatusObject>,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const m of service.methods) {
    const handler = (handlers as Record<string, unknown>)[m.localName];
    const output = m.output as DescMessage;
    if (m.methodKind === 'unary') {
      const h = handler as (req: unknown, call: unknown) => Promise<MessageInitShape<DescMessage>>;
      impl[m.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        h(call.request, call).then(
          (res) => callback(null, create(output, res)),
          (err: unknown) => callback(toStatus(err) as grpc.ServiceError),
        );
      };
    } else {
      const h = handler as (req: unknown, call: grpc.ServerWritableStream<unknown, unknown>) => Promise<void>;
      impl[m.localName] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        h(call.request, call).then(
          () => call.end(),
          // grpc-js sends a server stream's status from an 'error' event (destroy() would end the
          // stream without one, and the client would wait for ever)
          (err: unknown) => call.emit('error', { code: grpc.status.INTERNAL, details: String((err as Error).message ?? err), ...toStatus(err) }),
        );
      };
    }
  }
  return impl;
}

export type UnaryClient<I extends DescMessage, O extends DescMessage> = (req: MessageInitShape<I>, opts?: { deadlineMs?: number }) => Promise<MessageShape<O>>;
export type StreamClient<I extends DescMessage, O extends DescMessage> = (req: MessageInitShape<I>) => AsyncIterable<MessageShape<O>> & { cancel(): void };

export type ServiceClient<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]['methodKind'] extends 'unary' ? UnaryClient<S[K]['input'], S[K]['output']> : StreamClient<S[K]['input'], S[K]['output']>;
} & { close(): void; raw: grpc.Client };

/** A typed client; `metadata()` is called per request (auth headers). */
export function createClient<S extends GenServiceMethods>(
  service: GenService<S>,
  address: string,
  credentials: grpc.ChannelCredentials,
  metadata: () => grpc.Metadata,
  options: grpc.ClientOptions = {},
): ServiceClient<S> {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service), service.typeName);
  const client = new Ctor(address, credentials, options);
  const out: Record<string, unknown> = { close: () => client.close(), raw: client };
  for (const m of service.methods) {
    const input = m.input as DescMessage;
    const def = methodDefinition(m);
    if (m.methodKind === 'unary') {
      out[m.localName] = (req: MessageInitShape<DescMessage>, opts: { deadlineMs?: number } = {}) =>
        new Promise((resolvePromise, reject) => {
          const callOpts: grpc.CallOptions = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
          client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, create(input, req), metadata(), callOpts, (err, res) =>
            err ? reject(err) : resolvePromise(res),
          );
        });
    } else {
      out[m.localName] = (req: MessageInitShape<DescMessage>) => {
        const stream = client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, create(input, req), metadata(), {});
        // keep the stream's own cancel: assigning a wrapper over it would make the wrapper call itself
        const cancelStream = stream.cancel.bind(stream);
        return Object.assign(stream as unknown as AsyncIterable<unknown>, { cancel: () => cancelStream() });
      };
    }
  }
  return out as ServiceClient<S>;
}
