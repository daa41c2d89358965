import document from '@tenantatlas/api-client/openapi.json';
import { ContractLedger } from './ledger';

const ME = 'http://gateway.test/api/me';
/** The content type the document declares for the answers of GET /api/me with `status`. */
const declared = (status: number) => Object.keys((document.paths['/api/me'].get.responses as Record<string, { content: object }>)[status]!.content)[0]!;

describe('contract ledger', () => {
  it('passes an answer the document describes, and counts it', () => {
    const ledger = new ContractLedger();
    const body = JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'sign in first', code: 'AUTH.UNAUTHENTICATED' });
    ledger.record({ method: 'GET', url: ME, status: 401, contentType: `${declared(401)}; charset=utf-8`, body });
    expect([ledger.checked, ledger.mismatches]).toEqual([1, []]);
  });

  it('names a status the operation does not list, a content type it does not declare, and a body off its schema', () => {
    const ledger = new ContractLedger();
    ledger.record({ method: 'GET', url: ME, status: 418, contentType: 'application/json', body: '{}' });
    ledger.record({ method: 'GET', url: ME, status: 401, contentType: 'text/html', body: '<p>no</p>' });
    ledger.record({ method: 'GET', url: ME, status: 401, contentType: declared(401), body: JSON.stringify({ title: 'Unauthorized' }) });
    expect(ledger.mismatches).toEqual([
      expect.stringMatching(/GET \/api\/me → 418 .*status not listed/),
      expect.stringMatching(/GET \/api\/me → 401 text\/html: content type not declared/),
      expect.stringMatching(/GET \/api\/me → 401 .*does not match the schema: .*must have required property/),
    ]);
  });

  it('accepts the route-not-found answers outside the document only as problems, and ignores non-API paths', () => {
    const ledger = new ContractLedger();
    const problem = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such API route', code: 'ROUTE.NOT_FOUND' });
    ledger.record({ method: 'GET', url: 'http://gateway.test/api/nowhere', status: 404, contentType: 'application/problem+json', body: problem });
    ledger.record({ method: 'GET', url: 'http://gateway.test/api/nowhere', status: 200, contentType: 'application/json', body: '{}' });
    ledger.record({ method: 'GET', url: 'http://gateway.test/js/app.js', status: 200, contentType: 'text/javascript', body: '' });
    expect(ledger.checked).toBe(2);
    expect(ledger.mismatches).toEqual([expect.stringMatching(/GET \/api\/nowhere → 200 .*no such path/)]);
  });

  it('checks only status and content type of a deliberate probe', () => {
    const ledger = new ContractLedger();
    ledger.record({ method: 'GET', url: ME, status: 401, contentType: declared(401), body: 'not json', probe: true });
    expect(ledger.mismatches).toEqual([]);
  });
});
