import { advanceStep, type DraftEntity } from '../domain/draft';
import { withRunEvidence } from '../domain/draft-evidence';
import { draftErrors, inputErrors } from '../domain/errors';
import { factsOf, verificationFreshness } from '../domain/lifecycle';
import { requireId } from '../domain/validation';
import { loadMutable, startDraftRun, writeDraft, type DraftCommand, type StartedRun } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface StartBootstrapCommand extends DraftCommand {
  types: string[];
}

/** Starts one run per selected bootstrap type, after a successful, current verification. */
export class StartBootstrapUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: StartBootstrapCommand): Promise<{ draft: DraftEntity; runs: StartedRun[] }> {
    const types = this.bootstrapTypes(command.types);
    const current = await loadMutable(this.deps, command);
    const facts = factsOf(current);
    const verified = verificationFreshness(facts) === 'current' && facts.verificationRun?.status === 'completed' && facts.verificationRun.outcome === 'succeeded';
    if (!current.tenantId || !facts.selectedConnectionId || !verified) throw draftErrors.verificationNotSucceeded();
    const started: StartedRun[] = [];
    for (const type of types) {
      started.push(await startDraftRun(this.deps, command, { tenantId: current.tenantId, type, subject: facts.selectedConnectionId, purpose: `bootstrap:${type}` }));
    }
    const draft = await writeDraft(this.deps, command, (d) => {
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

  private bootstrapTypes(requested: string[]): string[] {
    const types = requested.map((t) => requireId('types', t));
    if (types.length === 0) throw inputErrors.required('types');
    if (new Set(types).size !== types.length) throw inputErrors.invalid('types', 'each type at most once');
    const verification = this.deps.verificationRunType;
    if (types.includes(verification)) throw inputErrors.invalid('types', `${verification} is the verification, not a bootstrap`);
    return types;
  }
}
