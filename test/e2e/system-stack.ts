// The whole-system stack lives with the other process fixtures in the shared testing package (the
// benchmarks use it too); e2e tests import it from here.
export * from '@tenantatlas/testing';

import { startStack, type Stack } from '@tenantatlas/testing';
import { GatewayClient } from '../../services/gateway/src/testing/gateway-client';

export interface SignedInStack {
  stack: Stack;
  /** the stack's admin, signed in */
  admin: GatewayClient;
  /** the admin's first workspace */
  ws: string;
}

/**
 * A whole stack for one test file, started before its tests with the admin signed in, and stopped
 * after them. The fields are set once the file's `beforeAll` has run.
 */
export function signedInStack(name: string): SignedInStack {
  const session = {} as SignedInStack;
  beforeAll(async () => {
    session.stack = await startStack({ name });
    session.admin = await new GatewayClient(session.stack.gatewayUrl).login(session.stack.admin.email, session.stack.admin.password);
    session.ws = await session.admin.firstWorkspace();
  });
  afterAll(() => session.stack?.stop());
  return session;
}
