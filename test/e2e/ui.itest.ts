import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, waitFor } from '@tenantatlas/testing';
import { checkContractAtEnd, watchBrowser } from './contract';
import { startStack, type Stack } from './ui-stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENS = path.join(REPO_ROOT, '.run', 'ui-screens');
const CONTOSO = '11111111-1111-4111-8111-111111111111'; // a healthy tenant of the provider simulator
const FABRIKAM = '22222222-2222-4222-8222-222222222222';

async function signIn(context: BrowserContext, url: string, email: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:has-text("Managed tenants")');
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });

/** The API as the signed-in member calls it from the page: its session cookie and CSRF token. */
async function callApi(page: Page, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { 'content-type': 'application/json', 'x-csrf-token': sessionStorage.getItem('csrf') ?? '' };
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: await res.json().catch(() => null) };
    },
    { method, path, body },
  );
}

const workspaceOf = async (page: Page) => (await callApi(page, 'GET', '/api/me')).json.workspaces[0].id as string;

/**
 * Follows a link of the top bar and waits for the view it opens: the view left behind (a wizard's
 * task board) has cells of the same runs until the route has changed, so a cell alone is no sign.
 */
async function openView(page: Page, link: string, heading: string): Promise<void> {
  await page.click(`nav a:has-text("${link}")`);
  await page.waitForSelector(`h1:text-is("${heading}")`);
}

checkContractAtEnd();

describe('operator UI in a real browser against the real services', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let draftUrl = '';

  beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    stack = await startStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watchBrowser(context);
    page = await signIn(context, stack.gatewayUrl, stack.admin.email, stack.admin.password);
  });

  // The last state of the main page after each test, to look at when one fails.
  afterEach(async () => {
    await page?.screenshot({ path: path.join(SCREENS, `last-${expect.getState().currentTestName?.slice(-30).replace(/\W+/g, '-')}.png`), fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in, onboards a tenant through the five steps with live checkpoint updates, and shows runs, connections and audit', async () => {
    await page.waitForSelector('#live-indicator[data-state="live"]');
    await shot(page, '01-tenants');
    await page.click('#start-onboarding');
    await page.waitForSelector('#step-identify form');
    draftUrl = page.url();
    await page.fill('#external-tenant-id', CONTOSO);
    await page.fill('#tenant-name', 'Contoso');
    await page.fill('#primary-domain', 'contoso.onmicrosoft.com');
    await page.click('#identify-submit');

    await page.waitForSelector('#step-connect form');
    await page.fill('#client-id', 'aaaaaaaa-0000-4000-8000-000000000001');
    await page.fill('#client-secret', 'simulated-secret-value');
    await page.click('#connection-submit');

    // The wizard follows the draft to step 3 and always shows one next action.
    await page.waitForSelector('#step-verify #start-verification');
    expect(await page.locator('#next-action').count()).toBe(1);
    await page.click('#start-verification');
    // No reload from here on: the verification run completes in operations and the wizard hears it live.
    await page.waitForSelector('#step-verify [data-status="succeeded"]', { timeout: 60_000 });
    await shot(page, '02-verified');

    // The checkpoint is recorded once onboarding has consumed the run's event (a new draft version).
    await page.waitForSelector('.step.done[data-step="verify"]', { timeout: 30_000 });
    await page.click('[data-step="bootstrap"]');
    await page.click('#start-bootstrap');
    await page.waitForSelector('text=Task board');
    await page.waitForSelector('#step-bootstrap [data-status="succeeded"]', { timeout: 60_000 });
    await page.waitForSelector('[data-next-action="complete_onboarding"]', { timeout: 30_000 });
    await shot(page, '03-bootstrapped');
    await page.click('#next-action');
    await page.waitForSelector('text=Onboarding completed');
    expect(await page.textContent('h1')).toBe('Contoso');
    expect(page.url()).toBe(draftUrl);
    await shot(page, '04-completed');

    await openView(page, 'Runs', 'Runs');
    await page.waitForSelector('td:has-text("inventory.sync")');
    expect(await page.locator('td:has-text("provider.connection.check")').count()).toBeGreaterThan(0);
    await shot(page, '05-runs');

    await openView(page, 'Connections', 'Connections');
    await page.waitForSelector('td:has-text("Contoso app")');
    expect(await page.content()).not.toContain('simulated-secret-value');
    await shot(page, '06-connections');

    await openView(page, 'Audit', 'Audit log');
    await page.waitForSelector('td:has-text("draft.completed")', { timeout: 30_000 });
    expect(await page.locator('a:has-text("Export CSV")').count()).toBe(1);
    await shot(page, '07-audit');
  });

  it('shows a clear conflict message when a stale second tab acts, and keeps the operator on the page', async () => {
    await page.goto(`${stack.gatewayUrl}/#/`);
    await page.click('#start-onboarding');
    await page.waitForSelector('#step-identify form');
    const url = page.url();
    const stale = await context.newPage();
    // The second tab has lost its live stream, so it still shows version 1 when it acts.
    await stale.route('**/events', (route) => route.abort());
    await stale.goto(url);
    await stale.waitForSelector('#step-identify form');

    await page.fill('#external-tenant-id', FABRIKAM);
    await page.fill('#tenant-name', 'Fabrikam');
    await page.click('#identify-submit');
    await page.waitForSelector('#step-connect');

    await stale.fill('#external-tenant-id', FABRIKAM);
    await stale.fill('#tenant-name', 'Fabrikam from the other tab');
    await stale.click('#identify-submit');
    const message = await stale.waitForSelector('#conflict-message');
    expect(await message.textContent()).toContain('Someone else changed this');
    expect(stale.url()).toBe(url);
    await stale.waitForSelector('h1:has-text("Fabrikam")');
    await shot(stale, '08-conflict');
    await stale.close();
  });

  it('lets an invitee join through the invitation link (signed in, in the workspace) and offers a readonly member no mutation buttons', async () => {
    const workspaceId = await workspaceOf(page);
    const invited = await callApi(page, 'POST', `/api/workspaces/${workspaceId}/members`, { email: 'viewer@example.test', role: 'readonly' });
    expect(invited.status).toBe(201);
    const link = invited.json.invitation.url as string;
    expect(link.startsWith(`${stack.gatewayUrl}/#/invitations/`)).toBe(true);

    const readonlyContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watchBrowser(readonlyContext);
    const viewer = await readonlyContext.newPage();
    await viewer.goto(link);
    await viewer.fill('#invitation-password', 'viewer-pass-1');
    await viewer.fill('#invitation-name', 'Vera Viewer');
    await shot(viewer, '09-invitation');
    await viewer.click('#invitation button[type=submit]');
    await viewer.waitForSelector('h1:has-text("Managed tenants")');
    expect(await viewer.textContent('#whoami')).toBe('viewer@example.test');
    expect(viewer.url()).toBe(`${stack.gatewayUrl}/#/w/${encodeURIComponent(workspaceId)}/tenants`);
    // The link is used up: opening it again says so instead of joining anyone.
    const again = await readonlyContext.newPage();
    await again.goto(link);
    await again.fill('#invitation-password', 'viewer-pass-1');
    await again.click('#invitation button[type=submit]');
    expect(await (await again.waitForSelector('#invitation .notice.error')).textContent()).toContain('does not work any more');
    await again.close();

    const mutationButtons = () => viewer.locator('main button:not(.step):not([type="submit"])').count();
    await viewer.waitForSelector('td:has-text("Contoso")');
    expect(await viewer.locator('#start-onboarding').count()).toBe(0);
    expect(await mutationButtons()).toBe(0);

    await viewer.goto(`${stack.gatewayUrl}/${draftUrl.slice(draftUrl.indexOf('#'))}`);
    await viewer.waitForSelector('text=Onboarding completed');
    expect(await mutationButtons()).toBe(0);

    await openView(viewer, 'Runs', 'Runs');
    await viewer.waitForSelector('td:has-text("inventory.sync")');
    expect(await mutationButtons()).toBe(0);
    await shot(viewer, '10-readonly-runs');

    await openView(viewer, 'Connections', 'Connections');
    await viewer.waitForSelector('td:has-text("Contoso app")');
    expect(await mutationButtons()).toBe(0);

    await openView(viewer, 'Audit', 'Audit log');
    await viewer.waitForSelector('table');
    expect(await viewer.locator('a:has-text("Export CSV")').count()).toBe(0);
    await readonlyContext.close();
  });
  it('pages the task board 50 runs at a time and narrows it by type, outcome and tenant', async () => {
    const workspaceId = await workspaceOf(page);
    const api = `/api/workspaces/${workspaceId}`;
    const tenantId = ((await callApi(page, 'GET', `${api}/tenants`)).json.tenants as { id: string; name: string }[]).find((t) => t.name === 'Contoso')!.id;
    // 55 more runs of Contoso (a label each, so none is deduplicated), then wait until all have ended
    const started = await Promise.all(Array.from({ length: 55 }, (_, i) => callApi(page, 'POST', `${api}/runs`, { tenant_id: tenantId, type: 'diagnostics.noop', subject: `page-${i}` })));
    expect(started.map(({ status }) => status)).toEqual(Array(55).fill(200));
    // asked once a second: the stack keeps the gateway's default limit of requests per member
    const allEnded = async () => {
      const { status, json } = await callApi(page, 'GET', `${api}/runs?pageSize=100`);
      return status === 200 && (json.runs as { status: string }[]).every((run) => run.status === 'completed');
    };
    await waitFor(allEnded, { timeoutMs: 90_000, intervalMs: 1_000, what: 'the 55 runs to end' });

    const rows = () => page.locator('main tbody tr').count();
    await page.goto(`${stack.gatewayUrl}/#/w/${encodeURIComponent(workspaceId)}/runs`);
    await page.waitForSelector('#older-runs');
    expect(await rows()).toBe(50);
    await page.click('#older-runs');
    // the 55 and the onboarding's check and sync: 57 in all
    await page.waitForFunction(() => document.querySelectorAll('main tbody tr').length === 57);
    expect(await page.locator('#older-runs').count()).toBe(0);
    await shot(page, '11-runs-paged');

    await page.fill('#run-type-filter', 'inventory.sync');
    await page.waitForFunction(() => document.querySelectorAll('main tbody tr').length === 1);
    expect(await page.textContent('main tbody')).toContain('inventory.sync');

    await page.fill('#run-type-filter', '');
    await page.selectOption('#run-outcome-filter', 'failed');
    await page.waitForSelector('main td.empty');

    await page.selectOption('#run-outcome-filter', '');
    await page.waitForSelector('#older-runs');
    const byTenant = page.waitForResponse((res) => res.url().includes('/runs?') && res.url().includes(`tenantId=${tenantId}`));
    await page.selectOption('#run-tenant-filter', tenantId);
    expect((await (await byTenant).json()).runs).toHaveLength(50);
    await page.waitForSelector('#older-runs');
    expect(await rows()).toBe(50);

    // the export link follows the filters and holds every page of the runs they select
    const href = (await page.getAttribute('#export-runs-csv', 'href'))!;
    expect(href).toContain(`tenantId=${tenantId}`);
    const csv = await page.evaluate(async (path) => (await fetch(path)).text(), href);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,tenant_id,/);
    expect(lines.slice(1).every((line) => line.split(',')[1] === tenantId)).toBe(true);
    const ofTenant = (await callApi(page, 'GET', `${api}/runs?tenantId=${tenantId}&pageSize=200`)).json.runs as { id: string }[];
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(ofTenant.map((run) => run.id));
  });
});
