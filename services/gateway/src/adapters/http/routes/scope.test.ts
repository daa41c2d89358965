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

const memberOf = (tenantIds: string[] | null, query: { pageSize?: number; pageToken?: string; tenantId?: string }) =>
  ({
    membership: { userId: 'u', workspaceId: 'w', role: 'operator', tenantScope: tenantIds ? { kind: 'some', tenantIds } : { kind: 'all' } },
    query,
    requireTenant: () => undefined,
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

  it('pages through its items only, every token at an item it sees', async () => {
    const { fetch } = service(items);
    const pages: { ids: string[]; token: string | null }[] = [];
    let token = '';
    do {
      const page = await pageInScope(memberOf(['a'], { pageSize: 1, pageToken: token }), list, fetch, tenantOf);
      token = page.next_page_token ?? '';
      pages.push({ ids: page.items.map((item) => item.id), token });
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
    expect(first).toEqual({ items: [items[0], items[3]], next_page_token: 'a2' });
    const second = await pageInScope(memberOf(['a'], { pageSize: 2, pageToken: 'a2' }), list, fetch, tenantOf);
    expect(second).toEqual({ items: [items[5]], next_page_token: '' });
  });

  it('answers the end of the list, not a token, when only hidden items follow', async () => {
    const { fetch } = service(items);
    const page = await pageInScope(memberOf(['a'], { pageSize: 5, pageToken: 'a3' }), list, fetch, tenantOf);
    expect(page).toEqual({ items: [], next_page_token: '' });
  });

  it('reads a page as it is for a member over all tenants, or one naming its tenant', async () => {
    const all = service(items);
    expect(await pageInScope(memberOf(null, { pageSize: 2 }), list, all.fetch, tenantOf)).toEqual({ items: items.slice(0, 2), next_page_token: 'b1' });
    expect(all.calls).toHaveLength(1);
    const named = service(items.filter((item) => item.tenant === 'a'));
    expect((await pageInScope(memberOf(['a'], { pageSize: 2, tenantId: 'a' }), list, named.fetch, tenantOf)).next_page_token).toBe('a2');
    expect(named.calls).toHaveLength(1);
  });
});
