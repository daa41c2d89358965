import { baseConfig, configFields, z } from '@tenantatlas/core';
import { parseKeyList } from './domain/credential-envelope';

/** Says how to provide the keys, since the service refuses to start without them. */
export const MISSING_KEYS =
  'required: `<key id>:<base64 of 32 random bytes>` (several comma-separated, the first seals new secrets), ' +
  'e.g. k1:$(openssl rand -base64 32). `npm start` creates one once in .run/<instance>/connections-encryption-keys; ' +
  'on Kubernetes it comes from a Secret (docs/deploy.md)';

const permissionList = (fallback: string) =>
  z.string().default(fallback).transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean));

export const configSchema = baseConfig.extend({
  GRPC_PORT: configFields.port(50052),
  /**
   * Credential encryption keys, `id:base64(32 bytes)` separated by commas. Keep retired keys in
   * the list until every credential sealed with them was re-sealed. Required everywhere: a key
   * made up at start would leave every stored secret unreadable after a restart.
   */
  CONNECTIONS_ENCRYPTION_KEYS: z
    .string({ error: (issue) => (issue.input === undefined ? MISSING_KEYS : undefined) })
    .superRefine((value, ctx) => {
      const parsed = parseKeyList(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  /** id of the key new credentials are sealed with; defaults to the first key in the list */
  CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),
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
