import { apartFromTheCall, requestTimeLeftMs, withRequestDeadline } from './request-deadline';

describe('request deadline', () => {
  it('is the time left to the deadline of the call the code runs in, across awaits', async () => {
    const now = Date.now();
    await withRequestDeadline(now + 5_000, async () => {
      expect(requestTimeLeftMs(now)).toBe(5_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(requestTimeLeftMs(now + 4_000)).toBe(1_000);
    });
  });

  it('never reaches zero once past, and is absent outside a call or for a call without a deadline', () => {
    withRequestDeadline(1_000, () => expect(requestTimeLeftMs(2_000)).toBe(1));
    expect(requestTimeLeftMs()).toBeUndefined();
    withRequestDeadline(Number.POSITIVE_INFINITY, () => expect(requestTimeLeftMs()).toBeUndefined());
  });

  it('leaves out the deadline for work the call starts apart from it, which goes on after it answered', async () => {
    const now = Date.now();
    let later: Promise<number | undefined> = Promise.resolve(0);
    withRequestDeadline(now + 5_000, () => {
      later = apartFromTheCall(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return requestTimeLeftMs(now);
      });
      expect(requestTimeLeftMs(now)).toBe(5_000);
    });
    expect(await later).toBeUndefined();
  });
});
