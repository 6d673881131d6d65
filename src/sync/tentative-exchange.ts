// A handshake engine that takes a line only if it verifies (issue 12, item 5). Over a relay's
// /v1/signal anyone can read a join in progress and post lines into it; a V2Exchange ends on
// the first line that fails to open or check, so one junk line used to fail the join. Here
// every line is first tried on a copy of the exchange: the copy is rebuilt by replaying the
// lines accepted so far into a fresh engine driven by the same deterministic randomness (an
// HMAC-SHA256 stream from a secret per-session seed), so it is in exactly the state the real
// one is in. A line the caller's `verified` test refuses is dropped and nothing changes; one it
// accepts makes the copy the exchange. Lines are few (a join has at most four), so a replay
// costs one handshake step or two.
import type { Rng } from "../protocol/crypto.ts";
import { mac32 } from "../protocol/v2/keys.ts";
import type { V2Exchange, V2Step } from "./v2-exchange.ts";

/** A deterministic byte stream from a 32-byte secret seed: HMAC-SHA256(seed, counter) blocks. */
export function seededStream(seed: Uint8Array): Rng {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (n: number) => {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      if (!pool.length) {
        const c = new Uint8Array(8);
        new DataView(c.buffer).setUint32(4, counter++);
        pool = mac32(seed, c);
      }
      const take = Math.min(pool.length, n - o);
      out.set(pool.subarray(0, take), o);
      pool = pool.subarray(take);
      o += take;
    }
    return out;
  };
}

/** Did this line move the exchange forward with a checked frame? `before` is untouched, `after` took the line. */
export type Verified = (before: V2Exchange, after: V2Exchange, step: V2Step) => boolean;

export class TentativeExchange {
  private accepted: string[] = [];
  private ex: V2Exchange;
  private readonly seed: Uint8Array;
  /** lines refused as unverified (for logs and tests) */
  dropped = 0;

  /** `make` builds the engine from a randomness source; `client`: it speaks first (start()). */
  constructor(
    private make: (rng: Rng) => V2Exchange,
    rng: Rng,
    private client: boolean,
  ) {
    this.seed = rng(32);
    this.ex = make(seededStream(this.seed));
  }

  get exchange(): V2Exchange {
    return this.ex;
  }

  start(): V2Step {
    return this.ex.start();
  }

  /** The first line of a session is the peer's own (nothing precedes it): take it as it is. */
  receiveFirst(line: string): V2Step {
    this.accepted.push(line);
    return this.ex.receive(line);
  }

  /** Try a line; null = it did not verify and was dropped (the exchange is as it was). */
  offer(line: string, verified: Verified): V2Step | null {
    if (this.ex.done) return null;
    const trial = this.make(seededStream(this.seed));
    if (this.client) trial.start();
    for (const l of this.accepted) trial.receive(l);
    const step = trial.receive(line);
    if (!verified(this.ex, trial, step)) {
      this.dropped++;
      return null;
    }
    this.accepted.push(line);
    this.ex = trial;
    return step;
  }

  abort(reason: string): void {
    this.ex.abort(reason);
  }
}
