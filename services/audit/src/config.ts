import { baseConfig, configFields, z } from '@tenantatlas/core';

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50054),
  /** consumer group that follows the lifecycle topics (KAFKA_TOPIC_PREFIX is prepended) */
  AUDIT_CONSUMER_GROUP: z.string().min(1).default('tenantatlas.audit'),
  /** lifecycle partitions ingested at once; each fetched batch is stored per workspace with one ordered insert */
  AUDIT_INGEST_PARTITIONS: z.coerce.number().int().min(1).max(64).default(12),
  /**
   * RETENTION_DAYS (and RETENTION_DAYS_BY_WORKSPACE): days a record stays stored by itself before
   * only its sealed segment (the archive) holds it; keep it longer than the lifecycle topics'
   * retention (docs/audit.md, "Retention")
   */
  ...configFields.retention,
});
export type Config = z.infer<typeof configSchema>;
