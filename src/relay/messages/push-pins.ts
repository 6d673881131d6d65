// The push key pinned per circle_hint (docs/PROTOCOL.md §25): the first key that signs a valid
// POST /v1/messages/batch for a hint is the only one that may spend that hint's push allowance,
// until it goes unused for RELAY_PUSH_PIN_IDLE_S. In memory, per process: after a restart the
// next signed batch pins again (a member's node, unless a non-member who knows the hint is
// first; then members push at the ordinary per-hint rate over POST /v1/messages until the pin
// idles out, which is no worse than without the allowance).
import { RELAY_PUSH_PIN_IDLE_S } from "../../protocol/relay-push-limits.ts";

interface Pin {
  key: string;
  usedS: number;
}

export class PushPins {
  private pins = new Map<string, Pin>();

  constructor(private max: number) {}

  /** Whether `key` may push for `hint` now (pinning it if the hint has no live pin). */
  admit(hint: string, key: string, nowS: number): boolean {
    const p = this.pins.get(hint);
    if (p && nowS - p.usedS < RELAY_PUSH_PIN_IDLE_S) {
      if (p.key !== key) return false;
      p.usedS = nowS;
      return true;
    }
    if (!p && this.pins.size >= this.max) this.prune(nowS);
    if (!p && this.pins.size >= this.max) return false;
    this.pins.set(hint, { key, usedS: nowS });
    return true;
  }

  /** Forget pins idle for RELAY_PUSH_PIN_IDLE_S. */
  prune(nowS: number): void {
    for (const [h, p] of this.pins) if (nowS - p.usedS >= RELAY_PUSH_PIN_IDLE_S) this.pins.delete(h);
  }
}
