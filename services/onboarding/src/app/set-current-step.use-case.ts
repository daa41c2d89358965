import { maxReachableStep, STEPS, stepIndex, type DraftEntity, type Step } from '../domain/draft';
import { draftErrors, inputErrors } from '../domain/errors';
import { writeDraft, type DraftCommand } from './draft-writer';
import type { OnboardingDeps } from './ports';

export interface SetCurrentStepCommand extends DraftCommand {
  step: string;
}

/** Wizard navigation: any step up to the furthest one the checkpoints allow. */
export class SetCurrentStepUseCase {
  constructor(private readonly deps: OnboardingDeps) {}

  async execute(command: SetCurrentStepCommand): Promise<DraftEntity> {
    if (!STEPS.includes(command.step as Step)) throw inputErrors.invalid('step', `one of ${STEPS.join(', ')}`);
    const step = command.step as Step;
    return writeDraft(this.deps, command, (d) => {
      const max = maxReachableStep(d);
      if (stepIndex(step) > stepIndex(max)) throw draftErrors.stepNotReachable(step, max);
      return { next: { ...d, currentStep: step }, action: 'step_changed' };
    });
  }
}
