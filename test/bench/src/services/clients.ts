import { insecureCredentials, loadProto, promiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType as ConnectionsProto } from '@tenantatlas/grpc/proto/connections';
import type { ProtoGrpcType as OnboardingProto } from '@tenantatlas/grpc/proto/onboarding';
import type { ProtoGrpcType as OperationsProto } from '@tenantatlas/grpc/proto/operations';

/** gRPC clients of the services the benches call directly, through their published contracts. */
export function connectionsClient(address: string) {
  const { ConnectionsService } = loadProto<ConnectionsProto>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
  return promiseClient(new ConnectionsService(address, insecureCredentials()));
}

export function onboardingClient(address: string) {
  const { OnboardingService } = loadProto<OnboardingProto>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1;
  return promiseClient(new OnboardingService(address, insecureCredentials()), 30_000);
}

export function operationsClient(address: string) {
  const { OperationsService } = loadProto<OperationsProto>('tenantatlas/operations/v1/operations.proto').tenantatlas.operations.v1;
  return promiseClient(new OperationsService(address, insecureCredentials()), 60_000);
}
