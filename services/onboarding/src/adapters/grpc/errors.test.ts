import { readFileSync } from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { GRPC_STATUS_BY_KIND } from '@tenantatlas/grpc';
import { onboardingError } from '../../domain/errors';

/** The codes the error table of docs/onboarding.md names, with the gRPC status it gives them. */
function documentedCodes(): Map<string, string> {
  const doc = readFileSync(path.join(__dirname, '../../../../../docs/onboarding.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### Errors'));
  const codes = new Map<string, string>();
  for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
    const [names, grpcStatus] = row.split('|').slice(1, 3);
    for (const code of names!.match(/[A-Z]+\.[A-Z_]+/g) ?? []) codes.set(code, grpcStatus!.trim());
  }
  return codes;
}

describe('the onboarding error catalog over gRPC', () => {
  it('is exactly what the service documents, each code with the gRPC status the transport gives it', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual([...onboardingError.codes].sort());
    for (const code of onboardingError.codes) expect([code, documented.get(code)]).toEqual([code, status[GRPC_STATUS_BY_KIND[onboardingError.catalog[code]]]]);
  });
});
