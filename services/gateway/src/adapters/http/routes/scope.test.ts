import { randomBytes } from 'node:crypto';
import { pageTokenSeal } from '../../../domain/page-token-seal';
import type { RouteContext } from '../route';
import { pageInScope } from './scope';

interface Item {
  id: string;
  tenant: string;
}

/**
 * A service's list: newest first, pages of `page_size` after the item a token names, and a token
 * that names the last item of the page (as the real services build theirs).
 */
function service(items: Item[]) {
  const calls: { page_size: number; page_token: string }[] = [];
  const fetch = async (page: { page_size: number; page_token: string }) => {
    calls.push(page);
    const start = page.page_token ? items.findIndex((item) => item.id === page.page_token) + 1 : 0;
    const read = items.slice(start, start + page.page_size);
    const more = start + read.length < items.length;
    return { items: read, next_page_token: more && read.length > 0 ? read[read.length - 1]!.id : '' };
  };
  return { fetch, calls };
}

const seal = pageTokenSeal(randomBytes(32), { userId: 'u', workspaceId: 'w' });

const memberOf = (tenantIds: string[] | null, query: { pageSize?: number; pageToken?: string; tenantId?: string }) =>
  ({
    membership: { userId: 'u', workspaceId: 'w', role: 'operator', tenantScope: tenantIds ? { kind: 'some', tenantIds } : { kind: 'all' } },
    query,
    requireTenant: () => undefined,
    pageTokens: seal,
  }) as unknown as RouteContext<unknown, { pageSize?: number; pageToken?: string; tenantId?: string }, unknown>;

const list = { items: 'items' as const, pageSize: 2 };
const tenantOf = (item: Item) => item.tenant;

describe('pageInScope for a member limited to some tenants', () => {
  const items: Item[] = [
    { id: 'a1', tenant: 'a' },
    { id: 'b1', tenant: 'b' },
    { id: 'b2', tenant: 'b' },
    { id: 'a2', tenant: 'a' },
    { id: 'b3', tenant: 'b' },
    { id: 'a3', tenant: 'a' },
    { id: 'b4', tenant: 'b' },
  ];
  /** what a sealed token says inside (the member cannot read it) */
  const inside = (token: string | null) => (token ? seal.open(token) : token);

  it('pages through its items only, with sealed tokens at items it sees, and no token after the last', async () => {
    const { fetch } = service(items);
    const pages: { ids: string[]; token: string | null }[] = [];
    let token = '';
    do {
      const page = await pageInScope(memberOf(['a'], { pageSize: 1, pageToken: token }), list, fetch, tenantOf);
      token = page.next_page_token ?? '';
      expect(token).toMatch(/^(s1[A-Za-z0-9_-]+)?$/);
      pages.push({ ids: page.items.map((item) => item.id), token: inside(token) });
    } while (token);
    expect(pages).toEqual([
      { ids: ['a1'], token: 'a1' },
      { ids: ['a2'], token: 'a2' },
      { ids: ['a3'], token: '' },
    ]);
  });

  it('takes the token at its last visible item when hidden items follow it on the page read', async () => {
    const { fetch } = service(items);
    const first = await pageInScope(memberOf(['a'], { pageSize: 2 }), list, fetch, tenantOf);
    expect([first.items, inside(first.next_page_token)]).toEqual([[items[0], items[3]], 'a2']);
    const second = await pageInScope(memberOf(['a'], { pageSize: 2, pageToken: first.next_page_token! }), list, fetch, tenantOf);
    expect(second).toEqual({ items: [items[5]], next_page_token: '' });
  });

  it('examines a bounded number of pages per request, and goes on from there with the next', async () => {
    const many: Item[] = [...Array.from({ length: 2_500 }, (_, i) => ({ id: `b${i}`, tenant: 'b' })), { id: 'a-last', tenant: 'a' }];
    const { fetch, calls } = service(many);
    const first = await pageInScope(memberOf(['a'], { pageSize: 5 }), list, fetch, tenantOf);
    expect(first.items).toEqual([]);
    expect(calls).toHaveLength(10);
    const second = await pageInScope(memberOf(['a'], { pageSize: 5, pageToken: first.next_page_token! }), list, fetch, tenantOf);
    expect(second).toEqual({ items: [many[2_500]], next_page_token: '' });
  });

  it('refuses a sealed token altered or made for someone else', async () => {
    const { fetch } = service(items);
    const first = await pageInScope(memberOf(['a'], { pageSize: 1 }), list, fetch, tenantOf);
    const other = pageTokenSeal(randomBytes(32), { userId: 'u', workspaceId: 'w' }).seal('a1');
    await expect(pageInScope(memberOf(['a'], { pageSize: 1, pageToken: other }), list, fetch, tenantOf)).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    expect(first.next_page_token).toMatch(/^s1/);
  });

  it('reads a page as it is for a member over all tenants', async () => {
    const all = service(items);
    expect(await pageInScope(memberOf(null, { pageSize: 2 }), list, all.fetch, tenantOf)).toEqual({ items: items.slice(0, 2), next_page_token: 'b1' });
    expect(all.calls).toHaveLength(1);
  });
});
