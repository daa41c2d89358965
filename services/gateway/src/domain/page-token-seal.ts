import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The page tokens a member limited to some tenants is handed. A service's page token names the
 * last item its page read, which may be another tenant's (its id, its time, how many came before
 * it), so such a member gets the service's token sealed: AES-256-GCM, unreadable and refused when
 * altered, and bound to the member and workspace it was made for.
 */
export interface PageTokenSeal {
  seal(token: string): string;
  /** the service's token, or null when `sealed` is not one this seal made for this member */
  open(sealed: string): string | null;
}

/** marks a sealed token (a service's token is base64url JSON: it starts with eyJ or WyJ) */
const PREFIX = 's1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function pageTokenSeal(key: Buffer, bound: { userId: string; workspaceId: string }): PageTokenSeal {
  const aad = Buffer.from(`${bound.userId}\n${bound.workspaceId}`, 'utf8');
  return {
    seal(token) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) return null;
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
          .setAAD(aad)
          .setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export const isSealedPageToken = (token: string): boolean => token.startsWith(PREFIX);
