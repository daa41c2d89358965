import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onboardingError } from './errors';

/** The codes the error table of docs/onboarding.md names, with the gRPC status it gives them. */
function documentedCodes(): Map<string, string> {
  const doc = readFileSync(path.join(__dirname, '../../../../docs/onboarding.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### Errors'));
  const codes = new Map<string, string>();
  for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
    const [names, status] = row.split('|').slice(1, 3);
    for (const code of names!.match(/[A-Z]+\.[A-Z_]+/g) ?? []) codes.set(code, status!.trim());
  }
  return codes;
}

const GRPC_STATUS: Record<string, string> = {
  invalid_argument: 'INVALID_ARGUMENT',
  not_found: 'NOT_FOUND',
  already_exists: 'ALREADY_EXISTS',
  conflict: 'ABORTED',
  failed_precondition: 'FAILED_PRECONDITION',
  unavailable: 'UNAVAILABLE',
};

describe('the onboarding error catalog', () => {
  it('is exactly what the service documents, each code with the documented status', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual([...onboardingError.codes].sort());
    for (const code of onboardingError.codes) expect([code, documented.get(code)]).toEqual([code, GRPC_STATUS[onboardingError.catalog[code]]]);
  });
});
