import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The one proto tree every service loads from; images copy it to the same relative place. */
export const PROTO_ROOT = process.env.PROTO_DIR ?? path.resolve(__dirname, '../../../proto');

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

const loaded = new Map<string, grpc.GrpcObject>();

/** Loads a proto file (relative to the proto root) once. `T` is its generated `ProtoGrpcType`. */
export function loadProto<T = grpc.GrpcObject>(file: string): T {
  let pkg = loaded.get(file);
  if (!pkg) {
    pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, PROTO_LOADER_OPTIONS));
    loaded.set(file, pkg);
  }
  return pkg as unknown as T;
}
