/** How big the fault-injection run is: CI defaults here, `scripts/faults.sh` sets the full form. */
import { replicaNames, type ProcessName, type ReplicatedBackend } from '../system-stack';

/**
 * Two replicas of operations and of audit, as the Helm chart runs them: each caller spreads its
 * calls over both, and a killed replica's share goes to the other while it restarts.
 */
export const FAULT_REPLICAS: Record<ReplicatedBackend, number> = { operations: 2, audit: 2 };

/** SIGKILLed and restarted one after another: every process of the stack but the second worker */
export const KILLED_PROCESSES: ProcessName[] = [
  'onboarding',
  'connections',
  ...replicaNames('operations', FAULT_REPLICAS.operations),
  ...replicaNames('audit', FAULT_REPLICAS.audit),
  'gateway',
  'worker-1',
];

export interface FaultSettings {
  /** runs started through the gateway */
  runs: number;
  kafkaDownMs: number;
  dbDownMs: number;
  /** starts per second while the faults are injected (the rest go out as fast as allowed after) */
  startsPerSecond: number;
  /** starts in flight at once */
  concurrency: number;
  /** the workers' LEASE_MS: how soon the run of a killed worker is recovered */
  leaseMs: number;
  /** pause after each fault, so the faults spread over the load (FAULTS_SETTLE_MS) */
  settleMs: number;
  /** what each attempt does (diagnostics.scripted) */
  script: string;
  maxAttempts: number;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return value;
}

export function faultSettings(): FaultSettings {
  const runs = int('FAULTS_RUNS', 300);
  const kafkaDownMs = int('FAULTS_KAFKA_DOWN_MS', 10_000);
  const dbDownMs = int('FAULTS_DB_DOWN_MS', 10_000);
  // the fault schedule takes the restarts (~5 s each) plus both outages and their recovery (~15 s);
  // the starts are paced to span it, but never faster than the stack absorbs on a small machine
  const plannedSeconds = KILLED_PROCESSES.length * 5 + 15 + (kafkaDownMs + dbDownMs) / 1000;
  const startsPerSecond = int('FAULTS_STARTS_PER_SECOND', Math.min(5, Math.max(2, Math.ceil(runs / plannedSeconds))));
  // a longer load spreads the faults (the restarts and both outages) over it
  const spareSeconds = runs / startsPerSecond - plannedSeconds;
  return {
    runs,
    kafkaDownMs,
    dbDownMs,
    startsPerSecond,
    settleMs: int('FAULTS_SETTLE_MS', Math.round(Math.min(60, Math.max(3, spareSeconds / (KILLED_PROCESSES.length + 2))) * 1000)),
    concurrency: int('FAULTS_CONCURRENCY', 12),
    leaseMs: int('FAULTS_LEASE_MS', 10_000),
    script: process.env.FAULTS_SCRIPT || 'sleep:200+ok',
    maxAttempts: int('FAULTS_MAX_ATTEMPTS', 5),
  };
}
