import { baseConfig, configFields, type z } from '@tenantatlas/shared';

export const configSchema = baseConfig.extend({
  /** HTTP port of the API and UI */
  HTTP_PORT: configFields.port(8080),
});
export type Config = z.infer<typeof configSchema>;
