// The inbound connection budgets of the node's TCP listener (issue 12, item 3). A connection
// starts as a stranger: it holds a pre-handshake slot, has HANDSHAKE_DEADLINE_MS to
// authenticate (a v1 HELLO_AUTH that checks, or an established v2 handshake), and counts
// against a total and a per-source-address cap (IPv6 counts by /64). Once authenticated it moves to the session
// budget (MAX_INBOUND_CONNECTIONS), which strangers never reach, so idle or slow sockets
// cannot lock members out however many there are.
//
// When the pre-handshake budget is full, the newcomer is still admitted and the oldest
// stranger of the busiest address is closed instead: an address flooding us only displaces
// its own connections, and a member's handshake (a few milliseconds) is displaced only by an
// attacker holding more addresses than the whole budget.
import {
  HANDSHAKE_DEADLINE_MS,
  MAX_INBOUND_CONNECTIONS,
  MAX_PREAUTH_CONNECTIONS,
  MAX_PREAUTH_PER_ADDRESS,
} from "../protocol/limits.ts";

/**
 * The "source address" the caps count: IPv4 as is (also when IPv4-mapped), IPv6 by its /64,
 * since one host or home gets a whole /64 and could otherwise take a slot per address.
 */
export function sourceKey(addr: string): string {
  const a = addr.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(":")) return a;
  const [head = "", tail = ""] = a.toLowerCase().split("::");
  const hs = head ? head.split(":") : [];
  const ts = tail ? tail.split(":") : [];
  const full = a.includes("::") ? [...hs, ...Array(Math.max(0, 8 - hs.length - ts.length)).fill("0"), ...ts] : hs;
  return (
    full
      .slice(0, 4)
      .map((x) => x.replace(/^0+(?=.)/, ""))
      .join(":") + "::/64"
  );
}

/** What a slot closes when it must go (a LineConn fits). */
export interface SlotHolder {
  fail(reason: string): void;
}

export interface SlotLimits {
  preTotal: number;
  prePerAddress: number;
  sessions: number;
  handshakeMs: number;
}
export const DEFAULT_SLOT_LIMITS: SlotLimits = {
  preTotal: MAX_PREAUTH_CONNECTIONS,
  prePerAddress: MAX_PREAUTH_PER_ADDRESS,
  sessions: MAX_INBOUND_CONNECTIONS,
  handshakeMs: HANDSHAKE_DEADLINE_MS,
};

export interface InboundSlot<H extends SlotHolder = SlotHolder> {
  readonly addr: string;
  readonly holder: H;
  stage: "pre" | "session" | "gone";
  seq: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class InboundSlots<H extends SlotHolder = SlotHolder> {
  /** strangers per address, oldest first */
  private pre = new Map<string, InboundSlot<H>[]>();
  private preCount = 0;
  private sessionSet = new Set<InboundSlot<H>>();
  private seq = 0;
  /** connections closed to make room or for missing the deadline (for logs and tests) */
  evicted = 0;

  constructor(private limits: SlotLimits = DEFAULT_SLOT_LIMITS) {}

  get counts(): { pre: number; sessions: number } {
    return { pre: this.preCount, sessions: this.sessionSet.size };
  }

  /** Every connection holding a slot (strangers and sessions). */
  holders(): H[] {
    return [...[...this.pre.values()].flat(), ...this.sessionSet].map((s) => s.holder);
  }

  /** A new connection from `addr`: always admitted as a stranger, making room if it must. */
  admit(remote: string, holder: H): InboundSlot<H> {
    const addr = sourceKey(remote);
    const mine = this.pre.get(addr) ?? [];
    if (mine.length >= this.limits.prePerAddress)
      this.evict(mine[0]!, "too many connections in handshake from this address");
    else if (this.preCount >= this.limits.preTotal) {
      const victim = this.busiest();
      if (victim) this.evict(victim, "pre-handshake budget full");
    }
    const slot: InboundSlot<H> = { addr, holder, stage: "pre", seq: ++this.seq, timer: null };
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (slot.stage === "pre") this.evict(slot, "handshake deadline exceeded");
    }, this.limits.handshakeMs);
    const list = this.pre.get(addr);
    if (list) list.push(slot);
    else this.pre.set(addr, [slot]);
    this.preCount++;
    return slot;
  }

  /** The connection authenticated: move it to the session budget. False = that budget is full (close it). */
  promote(slot: InboundSlot<H>): boolean {
    if (slot.stage !== "pre") return slot.stage === "session";
    this.dropPre(slot);
    if (this.sessionSet.size >= this.limits.sessions) {
      slot.stage = "gone";
      return false;
    }
    slot.stage = "session";
    this.sessionSet.add(slot);
    return true;
  }

  /** The connection closed (idempotent). */
  release(slot: InboundSlot<H>): void {
    if (slot.stage === "pre") this.dropPre(slot);
    else if (slot.stage === "session") this.sessionSet.delete(slot);
    slot.stage = "gone";
  }

  /** The oldest stranger of the address holding the most strangers. */
  private busiest(): InboundSlot<H> | undefined {
    let best: InboundSlot<H>[] | undefined;
    for (const list of this.pre.values())
      if (!best || list.length > best.length || (list.length === best.length && list[0]!.seq < best[0]!.seq))
        best = list;
    return best?.[0];
  }

  private evict(slot: InboundSlot<H>, reason: string): void {
    this.release(slot);
    this.evicted++;
    slot.holder.fail(reason);
  }

  private dropPre(slot: InboundSlot<H>): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const list = this.pre.get(slot.addr);
    const i = list ? list.indexOf(slot) : -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (!list!.length) this.pre.delete(slot.addr);
    this.preCount--;
    slot.stage = "gone";
  }
}
