import { maxReachableStep, STEPS, stepIndex, type DraftEntity, type Step } from '../domain/draft';
import { draftErrors, inputErrors } from '../domain/errors';
import { writeDraft } from './draft-writer';
import type { OnboardingDeps } from './ports';
import type { DraftCommand } from './start-verification.use-case';

/** Wizard navigation: any step up to the furthest one the checkpoints allow. */
export async function setCurrentStep(deps: OnboardingDeps, cmd: DraftCommand & { step: string }): Promise<DraftEntity> {
  if (!STEPS.includes(cmd.step as Step)) throw inputErrors.invalid('step', `one of ${STEPS.join(', ')}`);
  const step = cmd.step as Step;
  return writeDraft(deps, cmd, (d) => {
    const max = maxReachableStep(d);
    if (stepIndex(step) > stepIndex(max)) throw draftErrors.stepNotReachable(step, max);
    return { next: { ...d, currentStep: step }, action: 'step_changed' };
  });
}
