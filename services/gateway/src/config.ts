import { baseConfig, configFields, z } from '@tenantatlas/core';

const address = configFields.peerAddress.optional();
const flag = z.enum(['true', 'false']).default('false').transform((value) => value === 'true');

export const configSchema = baseConfig
  .extend({
    /** HTTP port of the API and UI */
    HTTP_PORT: configFields.port(8080),
    /** backend services (host:port, or one IPv4:port per replica, comma-separated); an unset or unreachable one makes its routes answer 503, the gateway still runs */
    ONBOARDING_GRPC_ADDR: address,
    CONNECTIONS_GRPC_ADDR: address,
    OPERATIONS_GRPC_ADDR: address,
    AUDIT_GRPC_ADDR: address,
    /** how long a UI session lasts */
    SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
    /** how long an invitation link works */
    INVITATION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(168),
    /** the UI's address as users reach it (e.g. https://atlas.example.com), for invitation links; unset = the address the inviter's request came to */
    PUBLIC_URL: z.string().url().optional(),
    /** mark the session cookie Secure (set true behind HTTPS, i.e. everywhere but a laptop) */
    COOKIE_SECURE: flag,
    /** requests one signed-in actor may make per minute (bursts up to this many) */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    /** sign-in attempts per client address per minute */
    SIGN_IN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
    /** dev stack: create this admin user and a workspace on first start (the password is never logged) */
    GATEWAY_SEED_ADMIN_EMAIL: z.string().email().optional(),
    GATEWAY_SEED_ADMIN_PASSWORD: z.string().min(8).optional(),
    GATEWAY_SEED_WORKSPACE: z.string().min(1).default('Demo workspace'),
    /** OIDC issuer whose bearer JWTs are accepted (e.g. https://login.microsoftonline.com/<tenant>/v2.0); unset = off */
    OIDC_ISSUER: z.string().url().optional(),
    /** the `aud` those tokens must carry (the API's application id URI) */
    OIDC_AUDIENCE: z.string().min(1).optional(),
    /** signing keys; discovered from the issuer's openid-configuration when unset */
    OIDC_JWKS_URL: z.string().url().optional(),
    /** claim holding the user's e-mail */
    OIDC_EMAIL_CLAIM: z.string().min(1).default('email'),
  })
  .refine((c) => !c.OIDC_ISSUER || c.OIDC_AUDIENCE, { path: ['OIDC_AUDIENCE'], message: 'required when OIDC_ISSUER is set' });
export type Config = z.infer<typeof configSchema>;
