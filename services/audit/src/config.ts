import { baseConfig, configFields, type z } from '@tenantatlas/shared';

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50054),
});
export type Config = z.infer<typeof configSchema>;
