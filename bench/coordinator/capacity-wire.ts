/**
 * A minimal unary gRPC client on node:http2 for the capacity benchmark's simulated workers. The server
 * sees exactly what a grpc-js client sends (HTTP/2 POST, application/grpc, length-prefixed protobuf,
 * status in trailers), but the client side costs a fraction of grpc-js's per-call machinery, so a few
 * processes on a small machine can load the coordinator instead of themselves. Plaintext only.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';

export class WireError extends Error {
  constructor(readonly path: string, readonly grpcStatus: number, detail: string) {
    super(`${path}: gRPC status ${grpcStatus}${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'WireError';
  }
}

export class WireChannel {
  private readonly session: ClientHttp2Session;

  constructor(address: string, private readonly token: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => undefined); // surfaced per call as stream errors
  }

  call<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, req: MessageInitShape<I>): Promise<MessageShape<O>> {
    const path = `/${method.parent.typeName}/${method.name}`;
    const body = toBinary(method.input, create(method.input, req));
    const frame = Buffer.allocUnsafe(5 + body.byteLength);
    frame[0] = 0; // not compressed
    frame.writeUInt32BE(body.byteLength, 1);
    frame.set(body, 5);
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${this.token}` });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let detail = '';
      const onStatus = (h: Record<string, unknown>): void => {
        if (h['grpc-status'] === undefined) return;
        status = Number(h['grpc-status']);
        detail = decodeURIComponent(String(h['grpc-message'] ?? ''));
      };
      stream.on('response', onStatus); // a trailers-only answer carries the status in the headers
      stream.on('trailers', onStatus);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('close', () => {
        if (status !== 0) return reject(new WireError(path, status ?? -1, detail || 'no grpc-status'));
        const bytes = Buffer.concat(chunks);
        const length = bytes.length >= 5 ? bytes.readUInt32BE(1) : -1;
        if (length < 0 || bytes.length < 5 + length) return reject(new WireError(path, -1, `short response (${bytes.length} bytes)`));
        resolve(fromBinary(method.output, bytes.subarray(5, 5 + length)));
      });
      stream.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
