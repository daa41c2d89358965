import { type Logger } from '@tenantatlas/core';
import { unary } from '@tenantatlas/grpc';
import type { ConnectionsServiceHandlers } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import { CheckConnectionUseCase } from '../../app/check-connection.use-case';
import { CreateConnectionUseCase } from '../../app/create-connection.use-case';
import { GetConnectionUseCase } from '../../app/get-connection.use-case';
import { ListConnectionsUseCase } from '../../app/list-connections.use-case';
import type { ConnectionsContext } from '../../app/ports';
import { RecordConsentUseCase } from '../../app/record-consent.use-case';
import { RefreshPermissionsUseCase } from '../../app/refresh-permissions.use-case';
import { RotateCredentialUseCase } from '../../app/rotate-credential.use-case';
import { SetConnectionEnabledUseCase } from '../../app/set-connection-enabled.use-case';
import { SetDefaultConnectionUseCase } from '../../app/set-default-connection.use-case';
import { SyncInventoryUseCase } from '../../app/sync-inventory.use-case';
import { UpdateConnectionUseCase } from '../../app/update-connection.use-case';
import type { Connection } from '../../domain/connection';
import { toActor, toConnectionMessage, toPostureMessage } from './mapping';

/** Transport only: requests become use-case commands, entities become messages. */
export function connectionsHandlers(ctx: ConnectionsContext, logger: Logger): ConnectionsServiceHandlers {
  const message = (c: Connection) => toConnectionMessage(c, ctx.required, ctx.now());
  const reply = (c: Connection) => ({ connection: message(c) });
  const ref = (r: { workspace_id: string; connection_id: string; tenant_id?: string }) => ({
    workspaceId: r.workspace_id,
    connectionId: r.connection_id,
    tenantId: r.tenant_id || undefined,
  });
  const create = new CreateConnectionUseCase(ctx);
  const get = new GetConnectionUseCase(ctx);
  const list = new ListConnectionsUseCase(ctx);
  const update = new UpdateConnectionUseCase(ctx);
  const rotate = new RotateCredentialUseCase(ctx);
  const setDefault = new SetDefaultConnectionUseCase(ctx);
  const setEnabled = new SetConnectionEnabledUseCase(ctx);
  const recordConsent = new RecordConsentUseCase(ctx);
  const check = new CheckConnectionUseCase(ctx);
  const refresh = new RefreshPermissionsUseCase(ctx);
  const sync = new SyncInventoryUseCase(ctx);

  return {
    CreateConnection: unary(logger, async (r) =>
      reply(
        await create.execute({
          workspaceId: r.workspace_id,
          actor: toActor(r.actor),
          tenantId: r.tenant_id,
          provider: r.provider,
          displayName: r.display_name,
          connectionType: r.connection_type,
          clientId: r.client_id,
          targetTenantId: r.target_tenant_id,
          clientSecret: r.client_secret || undefined,
          makeDefault: r.make_default,
          disabled: r.disabled,
        }),
      ),
    ),
    GetConnection: unary(logger, async (r) => reply(await get.execute(ref(r)))),
    ListConnections: unary(logger, async (r) => {
      const page = await list.execute({
        workspaceId: r.workspace_id,
        tenantId: r.tenant_id,
        pageSize: r.page?.page_size,
        pageToken: r.page?.page_token,
      });
      return { connections: page.connections.map(message), next_page_token: page.next ?? '' };
    }),
    UpdateConnection: unary(logger, async (r) =>
      reply(
        await update.execute({
          ...ref(r),
          actor: toActor(r.actor),
          displayName: r.display_name,
          clientId: r.client_id,
          targetTenantId: r.target_tenant_id,
          connectionType: r.connection_type,
        }),
      ),
    ),
    RotateCredential: unary(logger, async (r) =>
      reply(await rotate.execute({ ...ref(r), actor: toActor(r.actor), clientSecret: r.client_secret })),
    ),
    SetDefaultConnection: unary(logger, async (r) => reply(await setDefault.execute({ ...ref(r), actor: toActor(r.actor) }))),
    EnableConnection: unary(logger, async (r) => reply(await setEnabled.execute({ ...ref(r), actor: toActor(r.actor), enabled: true }))),
    DisableConnection: unary(logger, async (r) => reply(await setEnabled.execute({ ...ref(r), actor: toActor(r.actor), enabled: false }))),
    RecordConsentResult: unary(logger, async (r) =>
      reply(await recordConsent.execute({ ...ref(r), actor: toActor(r.actor), consentStatus: r.consent_status })),
    ),
    CheckConnection: unary(logger, async (r) => {
      const actor = toActor(r.actor);
      const { report, connection, checkedAt } = await check.execute({ ...ref(r), actor });
      logger.info(
        { connectionId: connection.id, status: report.status, reasonCode: report.reasonCode, retryAfterMs: report.retryAfterMs },
        'connection checked',
      );
      return {
        status: report.status,
        consent_status: report.consent ?? connection.consentStatus,
        reason_code: report.reasonCode,
        retryable: report.retryable,
        retry_after_ms: report.retryAfterMs,
        missing_permissions: report.missingPermissions,
        checks: report.checks.map((c) => ({ key: c.key, status: c.status, reason_code: c.reasonCode, message: c.message })),
        checked_at: checkedAt.toISOString(),
        connection: message(connection),
        message: report.message,
      };
    }),
    RefreshPermissions: unary(logger, async (r) => {
      const result = await refresh.execute({ ...ref(r), actor: toActor(r.actor) });
      return {
        status: result.status,
        reason_code: result.reasonCode,
        retryable: result.retryable,
        retry_after_ms: result.retryAfterMs,
        permissions: toPostureMessage(ctx.required, result.connection, ctx.now()),
        connection: message(result.connection),
      };
    }),
    SyncInventory: unary(logger, async (r) => {
      const page = await sync.execute({
        ...ref(r),
        actor: toActor(r.actor),
        resource: r.resource,
        pageToken: r.page_token,
        pageSize: r.page_size,
      });
      return {
        items: page.items.map((i) => ({ id: i.id, display_name: i.displayName, kind: i.kind })),
        next_page_token: page.nextPageToken ?? '',
      };
    }),
  };
}
