import { Slots } from './slots';

describe('Slots', () => {
  it('hands out at most its size, and the next waiter gets the slot a release frees', async () => {
    const slots = new Slots(1);
    expect(await slots.acquire()).toBe(true);
    let second: boolean | undefined;
    const waiting = slots.acquire().then((granted) => (second = granted));
    await Promise.resolve();
    expect(second).toBeUndefined();
    slots.release();
    await waiting;
    expect([second, slots.inUse]).toEqual([true, 1]);
  });

  it('tells every waiter at once that no slot will come once closed, and refuses later asks', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const waiters = [slots.acquire(), slots.acquire()];
    slots.close();
    expect(await Promise.all(waiters)).toEqual([false, false]);
    expect(await slots.acquire()).toBe(false);
  });
});
