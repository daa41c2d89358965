/**
 * Feeds of the contract check, one ledger per test file (jest loads modules per file): the typed
 * client's middleware, every GatewayClient and the browser's responses all record what they
 * received; `checkContractAtEnd()` fails the file on any answer the document does not describe.
 */
import type { Middleware } from '@tenantatlas/api-client';
import type { BrowserContext, Response as BrowserResponse } from 'playwright-core';
import { gatewayAnswers } from '../../../services/gateway/src/testing/gateway-client';
import { ContractLedger, type Exchange } from './ledger';

export const contract = new ContractLedger();
const pending = new Set<Promise<void>>();

/** A stream never ends on its own: its events are not read, only its status and content type. */
const isStream = (contentType: string | null) => contentType?.startsWith('text/event-stream') ?? false;

function track(read: Promise<Exchange | undefined>): void {
  const done = read.then(
    (exchange) => exchange && contract.record(exchange),
    (err: unknown) => void contract.mismatches.push(`an answer could not be read: ${String(err)}`),
  );
  pending.add(done);
  void done.finally(() => pending.delete(done));
}

/** openapi-fetch middleware of the typed client. */
export const contractMiddleware: Middleware = {
  onResponse({ request, response }) {
    const contentType = response.headers.get('content-type');
    const body = isStream(contentType) ? Promise.resolve('') : response.clone().text();
    track(body.then((text) => ({ method: request.method, url: request.url, status: response.status, contentType, body: text })));
    return undefined;
  },
};

/** Every answer a page of this browser context receives (only /api/ paths are in the contract). */
export function watchBrowser(context: BrowserContext): void {
  context.on('response', (response: BrowserResponse) => {
    const contentType = response.headers()['content-type'] ?? null;
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    const method = response.request().method();
    // A page closed before its answer was read leaves the status and content type to check.
    const body = isStream(contentType) || method === 'HEAD' ? Promise.resolve('') : response.text().catch(() => null);
    track(body.then((text) => ({ method, url: response.url(), status: response.status(), contentType, body: text ?? '', probe: text === null })));
  });
}

/**
 * Checks every answer of this test file against the document, and fails the file (at its end)
 * listing the ones that do not match.
 */
export function checkContractAtEnd(): void {
  const listener = (exchange: Exchange) => contract.record(exchange);
  beforeAll(() => {
    gatewayAnswers.add(listener);
  });
  afterAll(async () => {
    gatewayAnswers.delete(listener);
    await Promise.all([...pending]);
    console.log(`contract: ${contract.checked} HTTP responses checked against /api/openapi.json, mismatches = ${contract.mismatches.length}`);
    expect(contract.mismatches).toEqual([]);
    expect(contract.checked).toBeGreaterThan(0);
  });
}
