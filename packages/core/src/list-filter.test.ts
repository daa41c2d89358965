import { agreesOn, withinRange } from './list-filter';

describe('list filters checked on the items read', () => {
  type Item = { tenantId: string; status: string; outcome: string | null };
  const item: Item = { tenantId: 't-1', status: 'completed', outcome: null };
  const filter = (named: Partial<Item>) => named;

  it('keeps an item that has every value the filter names, whatever it leaves out', () => {
    expect(agreesOn(filter({}), item, ['tenantId', 'status'])).toBe(true);
    expect(agreesOn(filter({ tenantId: 't-1', status: undefined }), item, ['tenantId', 'status'])).toBe(true);
  });

  it('drops an item that differs on one named value', () => {
    expect(agreesOn(filter({ tenantId: 't-1', status: 'running' }), item, ['tenantId', 'status'])).toBe(false);
    expect(agreesOn(filter({ outcome: 'failed' }), item, ['outcome'])).toBe(false);
  });

  it('bounds a time from inclusive to exclusive, an absent bound open', () => {
    const at = new Date('2026-03-01T10:00:00Z');
    expect(withinRange(at, at, undefined)).toBe(true);
    expect(withinRange(at, undefined, at)).toBe(false);
    expect(withinRange(at, undefined, undefined)).toBe(true);
    expect(withinRange(at, new Date('2026-03-01T10:00:01Z'), undefined)).toBe(false);
  });
});
