import { auditIngest } from './audit-ingest';
import { connectionsCheck } from './connections-check';
import { gatewayAccess } from './gateway-access';
import { onboardingDrafts } from './onboarding-drafts';
import { operationsStart } from './operations-start';

/**
 * One service at a time as a real process on the bench's Kafka and FerretDB (no whole stack):
 * chosen by name in BENCH_ONLY (`services` = all five), scaled by BENCH_SCALE; each prints its
 * figures and removes its databases and topics.
 */
export const SERVICE_BENCHES = {
  'audit-ingest': auditIngest,
  'connections-check': connectionsCheck,
  'gateway-access': gatewayAccess,
  'onboarding-drafts': onboardingDrafts,
  'operations-start': operationsStart,
} satisfies Record<string, (scale: number) => Promise<void>>;

export type ServiceBench = keyof typeof SERVICE_BENCHES;
