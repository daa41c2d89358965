/**
 * Token buckets per key (an actor, or the address signing in): `capacity` requests at once,
 * refilled at capacity per minute. Pure: the caller passes the clock.
 */
export interface RateDecision {
  allowed: boolean;
  /** when the next request would be allowed (0 when allowed) */
  retryAfterMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly capacity: number,
    private readonly maxKeys = 50_000,
  ) {
    this.refillPerMs = capacity / 60_000;
  }

  take(key: string, now: number): RateDecision {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    const tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / this.refillPerMs) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.forgetIdle(now);
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Buckets that have refilled completely carry no information. */
  private forgetIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.capacity) this.buckets.delete(key);
    }
  }
}
