import { DomainError, invalidArgument, type ErrorKind } from '@tenantatlas/shared';
import { INVENTORY_RESOURCES, ProviderFailure, type InventoryPage, type InventoryResource, type ProviderFailureKind } from '../domain/provider';
import { FAILURE_CLASSES } from '../domain/verification';
import type { CheckCommand } from './check-connection';
import { loadConnection } from './load';
import type { ConnectionsContext } from './ports';
import { adapterFor, providerTarget } from './provider-target';

export interface SyncInventoryCommand extends CheckCommand {
  resource?: string;
  pageToken?: string;
  pageSize?: number;
}

/** How a provider failure travels as an error, so workers can branch on kind and retry-after. */
const ERROR_KIND: Record<ProviderFailureKind, ErrorKind> = {
  throttled: 'resource_exhausted',
  unavailable: 'unavailable',
  timeout: 'unavailable',
  consent_missing: 'failed_precondition',
  permission_missing: 'failed_precondition',
  credential_invalid: 'failed_precondition',
  tenant_not_found: 'failed_precondition',
  invalid_page_token: 'invalid_argument',
  unexpected: 'unavailable',
};

/** One page of inventory; reads only, so it records nothing and emits nothing. */
export async function syncInventory(ctx: ConnectionsContext, cmd: SyncInventoryCommand): Promise<InventoryPage> {
  const resource = (cmd.resource || 'users') as InventoryResource;
  if (!INVENTORY_RESOURCES.includes(resource)) {
    throw invalidArgument('CONNECTION.INVALID_RESOURCE', `resource must be one of ${INVENTORY_RESOURCES.join(', ')}`);
  }
  const pageSize = cmd.pageSize ?? 0;
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 999) {
    throw invalidArgument('CONNECTION.INVALID_PAGE_SIZE', 'page_size must be between 0 and 999');
  }
  const connection = await loadConnection(ctx.repository, cmd);
  const adapter = adapterFor(ctx, connection);
  try {
    return await adapter.listInventory(providerTarget(ctx, connection), resource, cmd.pageToken || undefined, pageSize || undefined);
  } catch (err) {
    if (!(err instanceof ProviderFailure)) throw err;
    const cls = FAILURE_CLASSES[err.kind];
    throw new DomainError(cls.reasonCode, ERROR_KIND[err.kind], err.message, {
      retryable: cls.retryable,
      retryAfterMs: cls.retryable ? err.retryAfterMs : 0,
    });
  }
}
