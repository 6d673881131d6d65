// Inbound budgets (issue 12, item 3): strangers in their handshake have a deadline, a
// per-address cap and a budget of their own, so a flood of idle sockets never locks members
// out. Unit tests of the budgets, then real loopback floods (from 127.0.0.1 and from
// 127.0.0.2-9, which Linux routes as loopback source addresses) against a real node.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import net from "node:net";
import type { FelundNode } from "../../src/node/node.ts";
import { InboundSlots, sourceKey, type SlotHolder } from "../../src/node/inbound-slots.ts";
import * as svc from "../../src/node/service.ts";
import {
  MAX_INBOUND_CONNECTIONS,
  MAX_PREAUTH_CONNECTIONS,
  MAX_PREAUTH_PER_ADDRESS,
} from "../../src/protocol/limits.ts";
import { startNode, startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(40_000);

class Holder implements SlotHolder {
  failed = "";
  fail(reason: string): void {
    this.failed ||= reason;
  }
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe("InboundSlots", () => {
  const limits = { preTotal: 6, prePerAddress: 3, sessions: 2, handshakeMs: 60_000 };

  test("one address only displaces its own oldest strangers", () => {
    const s = new InboundSlots<Holder>(limits);
    cleanup.push(() => {
      for (const h of s.holders()) h.fail("end");
    });
    const a = Array.from({ length: 5 }, () => new Holder());
    const slots = a.map((h) => s.admit("10.0.0.1", h));
    expect(a.map((h) => !!h.failed)).toEqual([true, true, false, false, false]);
    expect(s.counts).toEqual({ pre: 3, sessions: 0 });
    for (const x of slots) s.release(x);
    expect(s.counts).toEqual({ pre: 0, sessions: 0 });
  });

  test("a full budget makes room from the busiest address; a member's handshake moves to the session budget", () => {
    const s = new InboundSlots<Holder>(limits);
    const flood = [
      ...Array.from({ length: 3 }, () => ["10.0.0.1", new Holder()] as const),
      ...Array.from({ length: 3 }, () => ["10.0.0.2", new Holder()] as const),
    ];
    const fs = flood.map(([addr, h]) => s.admit(addr, h));
    const member = new Holder();
    const ms = s.admit("10.0.0.9", member);
    expect(member.failed).toBe("");
    expect(flood.filter(([, h]) => h.failed).map(([a]) => a)).toEqual(["10.0.0.1"]); // the oldest of a busiest address
    expect(s.counts.pre).toBe(6);
    expect(s.promote(ms)).toBe(true);
    expect(s.counts).toEqual({ pre: 5, sessions: 1 });
    // the session budget is the members': only promoted connections fill it
    const other = s.admit("10.0.0.8", new Holder());
    expect(s.promote(other)).toBe(true);
    const third = s.admit("10.0.0.7", new Holder());
    expect(s.promote(third)).toBe(false);
    expect(s.counts.sessions).toBe(2);
    for (const x of [...fs, ms, other, third]) s.release(x);
    expect(s.counts).toEqual({ pre: 0, sessions: 0 });
  });

  test("the per-address cap counts IPv4 as is (also IPv4-mapped) and IPv6 by its /64", () => {
    expect(sourceKey("203.0.113.7")).toBe("203.0.113.7");
    expect(sourceKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(sourceKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(sourceKey("::1")).toBe("0:0:0:0::/64");
    const s = new InboundSlots<Holder>(limits);
    const hs = Array.from({ length: 5 }, () => new Holder());
    const slots = hs.map((h, i) => s.admit(`2001:db8:1:2::${i + 1}`, h)); // five addresses of one /64
    expect(hs.filter((h) => h.failed).length).toBe(2);
    for (const x of slots) s.release(x);
  });

  test("a stranger that does not authenticate in time is closed", async () => {
    const s = new InboundSlots<Holder>({ ...limits, handshakeMs: 50 });
    const h = new Holder();
    const late = new Holder();
    s.admit("10.0.0.1", h);
    const ok = s.admit("10.0.0.2", late);
    s.promote(ok);
    await waitFor(() => h.failed !== "", 2000, "deadline");
    expect(h.failed).toBe("handshake deadline exceeded");
    await Bun.sleep(100);
    expect(late.failed).toBe("");
    expect(s.counts).toEqual({ pre: 0, sessions: 1 });
  });
});

/** `n` idle TCP connections to `port` from `localAddress`; counts their closes. */
async function idleSockets(
  port: number,
  localAddress: string,
  n: number,
  closed: { n: number },
): Promise<net.Socket[]> {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((ok, bad) => {
          const c = net.connect({ host: "127.0.0.1", port, localAddress }, () => ok(c));
          c.on("error", bad);
          c.on("close", () => closed.n++);
        }),
    ),
  );
  cleanup.push(() => {
    for (const s of socks) s.destroy();
  });
  return socks;
}

describe("a flood of idle sockets from strangers", () => {
  const nodes: FelundNode[] = [];
  afterEach(() => {
    while (nodes.length) nodes.pop()!.stop();
  });

  test("70 idle sockets from one address and 80 from eight others: a v2 join and a sync still go through; every idle socket is closed after the deadline", async () => {
    const owner = await startV2Node("owner", { timeouts: { handshakeMs: 1500 } });
    nodes.push(owner);
    const { circleId, code } = owner.createCircle("club");
    const closed = { n: 0 };
    await idleSockets(owner.port, "127.0.0.1", 70, closed);
    for (let i = 2; i <= 9; i++) await idleSockets(owner.port, `127.0.0.${i}`, 10, closed);
    // more sockets than the old single budget of 64; the strangers' budget holds at most its cap
    expect(owner.inboundSlots.counts.pre).toBeLessThanOrEqual(MAX_PREAUTH_CONNECTIONS);
    expect(owner.inboundSlots.counts.pre).toBeGreaterThan(0);
    expect(150).toBeGreaterThan(MAX_INBOUND_CONNECTIONS);
    // a new member joins (its connection arrives while the flood is in place) and syncs
    const bob = await startV2Node("bob");
    nodes.push(bob);
    const j = await bob.join({ code });
    expect(j).toMatchObject({ circleId, created: true, synced: true });
    bob.send(circleId, "general", "through the flood");
    await waitFor(
      () => owner.store.channelMessages(circleId, "general", { limit: 10 }).some((m) => m.text === "through the flood"),
      5000,
      "owner has bob's message",
    );
    // the idle sockets go: those over the caps at once, the rest at the handshake deadline
    await waitFor(() => closed.n === 150, 15_000, "every idle socket closed");
    await waitFor(() => owner.inboundSlots.counts.pre === 0, 5000, "no stranger left");
    expect(owner.inboundSlots.counts.sessions).toBeGreaterThanOrEqual(1); // bob's session
  });

  test("v1: a member's one-shot exchange is served while 100 idle sockets from its own address wait", async () => {
    const a = await startNode("a", { timeouts: { handshakeMs: 1500 } });
    const b = await startNode("b");
    nodes.push(a, b);
    const { circleId, code } = a.createCircle("c");
    expect((await b.join({ code })).synced).toBe(true);
    const closed = { n: 0 };
    await idleSockets(a.port, "127.0.0.1", 100, closed);
    expect(a.inboundSlots.counts.pre).toBe(MAX_PREAUTH_PER_ADDRESS);
    svc.sendMessage(b.ctx, circleId, "general", "during the flood");
    const r = await b.syncWith(circleId, a.listenAddr!);
    expect(r?.completed).toBe(true);
    await waitFor(
      () => a.store.channelMessages(circleId, "general", { limit: 10 }).some((m) => m.text === "during the flood"),
      5000,
      "a has b's message",
    );
    await waitFor(() => closed.n === 100, 15_000, "every idle socket closed");
  });
});
