import { z } from '@tenantatlas/core';
import { pageOf, text, timestamp } from './present';

export const connectionSchema = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    tenant_id: z.string(),
    provider: z.string(),
    display_name: z.string(),
    connection_type: z.string(),
    client_id: z.string(),
    target_tenant_id: z.string(),
    is_default: z.boolean(),
    enabled: z.boolean(),
    consent_status: text(),
    verification_status: text(),
    last_verified_at: timestamp(),
    last_reason_code: text(),
    verification_stale: z.boolean(),
    has_credential: z.boolean(),
    has_secret: z.boolean(),
    credential_key_id: text(),
    credential_rotated_at: timestamp(),
    permissions: z
      .object({
        required_application: z.array(z.string()),
        granted_application: z.array(z.string()),
        missing_application: z.array(z.string()),
        required_delegated: z.array(z.string()),
        granted_delegated: z.array(z.string()),
        missing_delegated: z.array(z.string()),
        missing_application_count: z.number().int(),
        missing_delegated_count: z.number().int(),
        last_refreshed_at: timestamp(),
        is_stale: z.boolean(),
      })
      .nullable(),
    created_at: timestamp(),
    updated_at: timestamp(),
    version: z.number().int(),
  })
  .describe('A provider connection; its secret is never part of it');

export const connectionResponse = z.object({ connection: connectionSchema });
export const connectionPage = pageOf('connections', connectionSchema);
