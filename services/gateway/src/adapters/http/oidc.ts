import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { keyFromJwk, verifyJwt, type JwtExpectations } from '../../domain/jwt';

export interface OidcOptions extends JwtExpectations {
  /** where the signing keys are; discovered from the issuer when unset */
  jwksUrl?: string;
  /** the claim naming the user (e-mail); Entra ID puts it in `email` or `preferred_username` */
  emailClaim: string;
}

const REFRESH_AT_MOST_EVERY_MS = 30_000;

/**
 * Bearer tokens from the organisation's identity provider. Keys are fetched on first use and again
 * when a token names a key we do not know (the issuer rotated), at most every 30 s.
 */
export class OidcBearer {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly options: OidcOptions,
    private readonly logger: Logger,
  ) {}

  /** The e-mail the token vouches for, or null when it does not verify. */
  async emailOf(token: string): Promise<string | null> {
    const now = () => Math.floor(Date.now() / 1000);
    let result = verifyJwt(token, this.keys, this.options, now());
    if (!result.ok && result.reason === 'unknown key' && Date.now() - this.fetchedAt > REFRESH_AT_MOST_EVERY_MS) {
      await this.refresh();
      result = verifyJwt(token, this.keys, this.options, now());
    }
    if (!result.ok) {
      this.logger.info({ reason: result.reason }, 'bearer token refused');
      return null;
    }
    const email = result.claims[this.options.emailClaim];
    return typeof email === 'string' && email.includes('@') ? email : null;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.fetchKeys()
      .catch((err: unknown) => this.logger.warn({ err }, 'could not fetch the issuer keys'))
      .finally(() => {
        this.fetchedAt = Date.now();
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async fetchKeys(): Promise<void> {
    const getJson = async (url: string) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const jwksUrl =
      this.options.jwksUrl ?? String((await getJson(`${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).jwks_uri);
    const { keys } = (await getJson(jwksUrl)) as { keys?: Record<string, unknown>[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of keys ?? []) {
      if (typeof jwk.kid !== 'string' || jwk.use === 'enc') continue;
      try {
        next.set(jwk.kid, keyFromJwk(jwk));
      } catch {
        // A key type Node cannot import is skipped; tokens signed with it are refused.
      }
    }
    this.keys = next;
  }
}
