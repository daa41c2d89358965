import { advanceStep, type DraftEntity } from '../domain/draft';
import { withRunEvidence } from '../domain/draft-evidence';
import { draftErrors, inputErrors } from '../domain/errors';
import type { RunEvidence } from '../domain/evidence';
import { factsOf, verificationFreshness } from '../domain/lifecycle';
import { requireId } from '../domain/validation';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import { loadMutable, type DraftCommand } from './start-verification.use-case';

export interface StartedRun {
  type: string;
  run: RunEvidence;
  deduplicated: boolean;
}

/** Starts one run per selected bootstrap type, after a successful, current verification. */
export async function startBootstrap(
  deps: OnboardingDeps,
  cmd: DraftCommand & { types: string[] },
): Promise<{ draft: DraftEntity; runs: StartedRun[] }> {
  const types = cmd.types.map((t) => requireId('types', t));
  if (types.length === 0) throw inputErrors.required('types');
  if (new Set(types).size !== types.length) throw inputErrors.invalid('types', 'each type at most once');
  if (types.includes(deps.verificationRunType)) throw inputErrors.invalid('types', `${deps.verificationRunType} is the verification, not a bootstrap`);
  const current = await loadMutable(deps, cmd);
  const facts = factsOf(current);
  const verified = verificationFreshness(facts) === 'current' && facts.verificationRun?.status === 'completed' && facts.verificationRun.outcome === 'succeeded';
  if (!current.tenantId || !facts.selectedConnectionId || !verified) throw draftErrors.verificationNotSucceeded();
  const started: StartedRun[] = [];
  for (const type of types) {
    const { run, deduplicated } = await deps.operations.startRun({
      workspaceId: cmd.workspaceId,
      actor: cmd.actor,
      tenantId: current.tenantId,
      type,
      subject: facts.selectedConnectionId,
      idempotencyKey: `onboarding:${current.id}:v${cmd.expectedVersion}:bootstrap:${type}`,
    });
    started.push({ type, run, deduplicated });
  }
  const draft = await writeDraft(deps, cmd, (d) => {
    let next: DraftEntity = {
      ...d,
      currentStep: advanceStep(d.currentStep, 'bootstrap'),
      state: { ...d.state, bootstrapTypes: types, bootstrapRuns: started.map((s) => ({ type: s.type, runId: s.run.runId })) },
    };
    for (const s of started) next = withRunEvidence(next, s.run);
    return { next, action: 'bootstrap_started', extra: { runIds: started.map((s) => s.run.runId).join(',') } };
  });
  return { draft, runs: started };
}
