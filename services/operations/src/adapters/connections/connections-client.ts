import { insecureCredentials, loadProto, PEER_CHANNEL_OPTIONS, promiseClient, type PromiseClient } from '@tenantatlas/shared';
import type { ProtoGrpcType } from '@tenantatlas/shared/proto/connections';
import type { ConnectionsServiceClient } from '@tenantatlas/shared/proto/tenantatlas/connections/v1/ConnectionsService';

export type ConnectionsClient = PromiseClient<ConnectionsServiceClient>;

/** The connections service does the provider I/O; operations workers call it for provider run types. */
export function connectionsClient(address: string, timeoutMs: number): ConnectionsClient {
  const { ConnectionsService } = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
  return promiseClient(new ConnectionsService(address, insecureCredentials(), PEER_CHANNEL_OPTIONS), timeoutMs);
}
