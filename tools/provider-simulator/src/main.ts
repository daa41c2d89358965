import fs from 'node:fs';
import { startProviderSimulator } from './server';
import type { SimTenantConfig } from './state';

/**
 * Standalone provider simulator for the dev stack:
 *   SIMULATOR_PORT (default 5090), SIMULATOR_HOST (default 127.0.0.1),
 *   SIMULATOR_TENANTS_FILE (optional JSON array of tenant configs),
 *   SIMULATOR_AUTO_TENANTS (default true: any tenant GUID is a healthy tenant).
 * Point MICROSOFT_LOGIN_BASE_URL and MICROSOFT_GRAPH_BASE_URL of the connections service at it.
 */
const DEMO_TENANTS: SimTenantConfig[] = [
  { tenantId: '11111111-1111-4111-8111-111111111111', displayName: 'Contoso (healthy)', domains: ['contoso.onmicrosoft.com'] },
  { tenantId: '22222222-2222-4222-8222-222222222222', displayName: 'Fabrikam (no consent)', consentGranted: false },
  { tenantId: '33333333-3333-4333-8333-333333333333', displayName: 'Northwind (missing permissions)', applicationPermissions: ['Organization.Read.All'] },
];

async function main(): Promise<void> {
  const port = Number(process.env.SIMULATOR_PORT ?? 5090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('provider-simulator: SIMULATOR_PORT must be a port number\n');
    process.exit(1);
  }
  const file = process.env.SIMULATOR_TENANTS_FILE;
  const tenants = file ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SimTenantConfig[]) : DEMO_TENANTS;
  const simulator = await startProviderSimulator({
    port,
    host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
    tenants,
    autoTenants: (process.env.SIMULATOR_AUTO_TENANTS ?? 'true') !== 'false',
  });
  process.stdout.write(`${JSON.stringify({ level: 'info', service: 'provider-simulator', url: simulator.url, msg: 'provider simulator listening' })}\n`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
