import { randomBytes } from 'node:crypto';
import { isDuplicateKeyError } from '@tenantatlas/store';
import type { IdentityModels } from './identity-models';

const PAGE_TOKEN_KEY = 'page-token-seal';

/**
 * The key every replica seals page tokens with. The first replica to start makes it; an insert
 * under one `_id` lets exactly one do so, and the others read what it made. It stays across
 * restarts, so a token handed out before one still opens after it.
 */
export async function pageTokenKey(models: Pick<IdentityModels, 'Key'>): Promise<Buffer> {
  for (;;) {
    const stored = await models.Key.findById(PAGE_TOKEN_KEY).lean();
    if (stored) return Buffer.from(stored.material, 'base64');
    try {
      await models.Key.create({ _id: PAGE_TOKEN_KEY, material: randomBytes(32).toString('base64'), createdAt: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}
