import { RateLimiter } from './rate-limit';

describe('rate limiter', () => {
  it('allows a burst up to the capacity, then asks the caller to wait', () => {
    const limiter = new RateLimiter(3);
    expect([0, 0, 0].map((t) => limiter.take('alice', t).allowed)).toEqual([true, true, true]);
    const refused = limiter.take('alice', 0);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(20_000); // 3 per minute → one every 20 s
  });

  it('refills over time and keeps keys apart', () => {
    const limiter = new RateLimiter(2);
    limiter.take('alice', 0);
    limiter.take('alice', 0);
    expect(limiter.take('bob', 0).allowed).toBe(true);
    expect(limiter.take('alice', 29_000).allowed).toBe(false);
    expect(limiter.take('alice', 31_000).allowed).toBe(true);
  });

  it('forgets idle keys when it holds too many', () => {
    const limiter = new RateLimiter(1, 2);
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 120_000);
    expect(limiter.take('a', 120_000).allowed).toBe(true);
  });
});
