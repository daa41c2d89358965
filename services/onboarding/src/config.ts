import { baseConfig, configFields, z } from '@tenantatlas/core';

/** host:port, or one IPv4:port per replica, comma-separated */
const hostPort = configFields.peerAddress;

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50051),
  /** operations service (runs: verification and bootstrap) */
  OPERATIONS_GRPC_ADDR: hostPort.default('127.0.0.1:50053'),
  /** connections service (provider connections) */
  CONNECTIONS_GRPC_ADDR: hostPort.default('127.0.0.1:50052'),
  /** deadline for calls to operations / connections */
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** the operations run type that verifies a provider connection */
  VERIFICATION_RUN_TYPE: z.string().min(1).default('provider.connection.check'),
  /** consumer group for run and connection events (the topic prefix is prepended) */
  ONBOARDING_CONSUMER_GROUP: z.string().min(1).default('onboarding-evidence'),
});
export type Config = z.infer<typeof configSchema>;
