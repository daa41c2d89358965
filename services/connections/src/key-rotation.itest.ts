import { randomBytes } from 'node:crypto';
import { guid, rejection, startHarness, USER, WORKER, waitForEvent, type Harness } from './testing/harness';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, uniqueName, waitFor } from '@tenantatlas/testing';

/**
 * Encryption keys rotate without re-entering secrets at once: the service is restarted on the same
 * database with a new active key while the old one stays configured; old credentials keep
 * working, new and rotated ones use the new key, and once the old key is dropped its credentials
 * are reported as unreadable rather than crashing anything.
 */
const WS = 'ws-key-rotation-itest';
const SECRET = `rotation-canary-${randomBytes(8).toString('hex')}`;
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

describe('credential key rotation across restarts', () => {
  const db = uniqueName('itest_connections_keys');
  const prefix = uniqueName('itest');
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const tenantId = guid();
  let connectionId = '';
  const check = (harness: Harness) => harness.client.CheckConnection({ workspace_id: WS, connection_id: connectionId, actor: WORKER });
  const start = async (keys: string, active?: string) => {
    h = await startHarness({ CONNECTIONS_ENCRYPTION_KEYS: keys, ...(active ? { CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: active } : {}) }, { db, prefix });
    h.simulator.setTenant({ tenantId, clientSecret: SECRET });
    return h;
  };

  it('seals with k1 while k1 is the only key', async () => {
    const harness = await start(k1);
    const { connection } = await harness.client.CreateConnection({
      workspace_id: WS, actor: USER, tenant_id: await harness.tenants.create(WS), display_name: 'Rotating',
      client_id: guid(), target_tenant_id: tenantId, client_secret: SECRET,
    });
    connectionId = connection!.id;
    expect(connection!.credential_key_id).toBe('k1');
    expect((await check(harness)).status).toBe('healthy');
  });

  it('with k2 active and k1 kept: the old credential still works and is re-sealed with k2; a rotated one uses k2', async () => {
    const harness = await start(`${k2},${k1}`);
    const first = await check(harness);
    expect(first.status).toBe('healthy');
    expect(first.connection!.credential_key_id).toBe('k2');
    const [verified] = await waitForEvent(harness, connectionId, 'verified', 2).then((events) => events.slice(-1));
    expect(verified!.data).toMatchObject({ credentialResealed: true, credentialKeyId: 'k2' });
    const { connection } = await harness.client.RotateCredential({ workspace_id: WS, actor: USER, connection_id: connectionId, client_secret: SECRET });
    expect(connection!.credential_key_id).toBe('k2');
    expect((await check(harness)).status).toBe('healthy');
  });

  it('with k1 dropped: a k2 credential works; a k1 one is reported unreadable, not a crash', async () => {
    const harness = await start(k2);
    expect((await check(harness)).status).toBe('healthy');
    const { connection: old } = await harness.client.CreateConnection({
      workspace_id: WS, actor: USER, tenant_id: await harness.tenants.create(WS), display_name: 'Old key',
      client_id: guid(), target_tenant_id: tenantId, client_secret: SECRET,
    });
    // The service's relay clears the creation's outbox in this document (version 1); a write of ours
    // racing that clear can be lost on FerretDB (an update rewrites the whole document), so it goes in after.
    const connections = harness.mongo.collection('connections');
    await waitFor(async () => (await connections.findOne({ _id: old!.id as never }))?.outboxPending === false, { what: 'the creation event published' });
    // Re-seal this one's envelope as if it had been written under k1 (a key no longer configured).
    await harness.mongo.collection('connections').updateOne({ _id: old!.id as never }, { $set: { 'body.credential.keyId': 'k1' } });
    const result = await harness.client.CheckConnection({ workspace_id: WS, connection_id: old!.id, actor: WORKER });
    expect(result).toMatchObject({ status: 'error', reason_code: 'CONNECTION.CREDENTIAL_UNREADABLE', retryable: false });
    const sync = await rejection(harness.client.SyncInventory({ workspace_id: WS, connection_id: old!.id, actor: WORKER, resource: 'users', page_token: '', page_size: 0 }));
    expect({ kind: sync.kind, code: sync.code }).toEqual({ kind: 'failed_precondition', code: 'CONNECTION.CREDENTIAL_UNREADABLE' });
    expect(harness.service.output()).not.toContain(SECRET);
  });

  it('refuses to start, naming the variable, when the active key id is not configured', () => {
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'services/connections/dist/main.js')], {
      env: { ...process.env, GRPC_PORT: '0', CONNECTIONS_ENCRYPTION_KEYS: k2, CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: 'k3' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID: no key with id k3');
    expect(`${run.stdout}${run.stderr}`).not.toContain(k2.split(':')[1]!);
  });
});
