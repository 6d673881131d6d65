// In-memory token buckets keyed by a string (client address, circle_hint, node id). The clock
// is passed in on every call, so tests drive time by hand. One process only: several relay
// processes behind a balancer each enforce their own share.
import type { RateSpec } from "./config.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export type Take = { ok: true } | { ok: false; retryAfterS: number };
const PASS: Take = { ok: true };

export class TokenBuckets {
  private buckets = new Map<string, Bucket>();

  constructor(
    private spec: RateSpec,
    private maxKeys: number,
  ) {}

  private bucket(key: string, nowMs: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(nowMs);
      b = { tokens: this.spec.burst, at: nowMs };
      this.buckets.set(key, b);
    } else if (nowMs > b.at) {
      b.tokens = Math.min(this.spec.burst, b.tokens + ((nowMs - b.at) / 1000) * this.spec.perSecond);
      b.at = nowMs;
    }
    return b;
  }

  private retryAfter(b: Bucket, need: number): number {
    return Math.max(1, Math.ceil((need - b.tokens) / this.spec.perSecond));
  }

  /** Take `cost` tokens, or refuse without taking any. */
  take(key: string, nowMs: number, cost = 1): Take {
    const b = this.bucket(key, nowMs);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return PASS;
    }
    return { ok: false, retryAfterS: this.retryAfter(b, cost) };
  }

  /** Refuse only when the bucket is already empty (in debt); used before work whose cost is known after. */
  check(key: string, nowMs: number): Take {
    const b = this.bucket(key, nowMs);
    return b.tokens >= 1 ? PASS : { ok: false, retryAfterS: this.retryAfter(b, 1) };
  }

  /** Charge a cost known only afterwards; the bucket may go into debt, which later requests repay. */
  charge(key: string, nowMs: number, cost: number): void {
    if (cost > 0) this.bucket(key, nowMs).tokens -= cost;
  }

  /** Forget buckets that have refilled completely (they behave exactly like absent ones). */
  sweep(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.at) / 1000) * this.spec.perSecond >= this.spec.burst) this.buckets.delete(k);
    }
    // Everyone is active: drop the oldest entries rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      let excess = this.buckets.size - Math.floor(this.maxKeys / 2);
      for (const k of this.buckets.keys()) {
        if (excess-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
