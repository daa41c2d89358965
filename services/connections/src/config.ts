import { baseConfig, configFields, z } from '@tenantatlas/shared';
import { parseKeyList } from './domain/credential-envelope';

const permissionList = (fallback: string) =>
  z.string().default(fallback).transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean));

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50052),
  /**
   * Credential encryption keys, `id:base64(32 bytes)` separated by commas. Keep retired keys in
   * the list until every credential sealed with them was rotated. Required in production; when
   * unset elsewhere, an ephemeral key is generated at start (credentials do not survive a restart).
   */
  CONNECTIONS_ENCRYPTION_KEYS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const parsed = parseKeyList(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  /** id of the key new credentials are sealed with; defaults to the first key in the list */
  CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),
  NODE_ENV: z.string().default('development'),
  /** onboarding service (asked whether a new connection's tenant exists in its workspace), host:port */
  ONBOARDING_GRPC_ADDR: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').default('127.0.0.1:50051'),
  /** deadline of that question */
  ONBOARDING_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** OAuth2 token endpoint base (`<base>/<tenant>/oauth2/v2.0/token`); the provider simulator in dev */
  MICROSOFT_LOGIN_BASE_URL: z.string().url().default('https://login.microsoftonline.com'),
  /** Microsoft Graph base (`<base>/v1.0/...`); the provider simulator in dev */
  MICROSOFT_GRAPH_BASE_URL: z.string().url().default('https://graph.microsoft.com'),
  /** scope of the client-credentials token */
  MICROSOFT_GRAPH_SCOPE: z.string().min(1).default('https://graph.microsoft.com/.default'),
  /** timeout of each provider HTTP request */
  PROVIDER_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** application permissions a connection must have (missing → blocked) */
  MICROSOFT_REQUIRED_APPLICATION_PERMISSIONS: permissionList('Organization.Read.All,Directory.Read.All'),
  /** application permissions a connection should have (missing → degraded) */
  MICROSOFT_RECOMMENDED_APPLICATION_PERMISSIONS: permissionList(''),
  /** delegated permissions a delegated connection must have */
  MICROSOFT_REQUIRED_DELEGATED_PERMISSIONS: permissionList('User.Read'),
});
export type Config = z.infer<typeof configSchema>;
