// Timeline events (src/peer/timeline.ts): derived from the control rows each peer already
// stores, the same on the node's SQLite store and the browser's in-memory one, and placed
// among a channel's messages at their time (channelLog), without storing anything twice.
import { beforeEach, describe, expect, test } from "bun:test";
import * as act from "../../src/peer/actions.ts";
import * as channels from "../../src/peer/actions-channels.ts";
import type { PeerCtx } from "../../src/peer/ctx.ts";
import { sendMessage } from "../../src/peer/send.ts";
import { channelLog, circleTimeline, useV1ControlParser } from "../../src/peer/timeline.ts";
import { parseControlEvent } from "../../src/protocol/control.ts";
import { messageView } from "../../src/peer/views.ts";
import { clock as time, enter, exchange, type Kind, makePeer, otherKind } from "./social-harness.ts";

// legacy circles' v1 control rows, as the node and the browser's legacy chunk install it
useV1ControlParser(parseControlEvent);

/** each step a second later, so their times order them */
const clock = () => time.now++;

/** The lines a peer shows in a channel: messages as "name: text", events as "~ " and their line. */
function lines(p: PeerCtx, circleId: string, channelId = "general", limit = 50) {
  const log = channelLog(p.store, circleId, channelId, { limit });
  return log.messages.map((m) => {
    const v = messageView(p.store, m, () => false, log.events);
    return v.event ? `~ ${v.text}` : `${v.author}: ${v.text}`;
  });
}

describe.each(["sqlite", "mem"] as Kind[])("timeline, owner on %s", (kind) => {
  let alice: PeerCtx;
  let bob: PeerCtx;
  let carol: PeerCtx;
  beforeEach(() => {
    alice = makePeer(kind, "alice");
    bob = makePeer(otherKind(kind), "bob");
    carol = makePeer(otherKind(kind), "carol");
  });

  test("v2 circle: created, joins, renames, a new channel, a channel join and leave, a kick; the same on both sides", () => {
    const { circleId } = act.createCircle(alice, "Hikers");
    clock();
    enter(alice, bob, circleId, false);
    enter(alice, carol, circleId, false);
    exchange(bob, carol, circleId);
    sendMessage(bob, circleId, "general", "hi all");
    exchange(alice, bob, circleId);
    bob.me().displayName = "bobby";
    act.announceName(bob);
    clock();
    act.renameCircle(alice, circleId, "Hill walkers");
    exchange(alice, bob, circleId);
    channels.createChannel(alice, circleId, "trips");
    exchange(alice, bob, circleId);
    channels.joinChannel(bob, circleId, "trips");
    clock();
    channels.leaveChannel(bob, circleId, "trips");
    exchange(alice, bob, circleId);
    act.kickMembers(alice, circleId, [carol.me().nodeId]);
    exchange(alice, bob, circleId);
    sendMessage(alice, circleId, "general", "bye carol");
    exchange(alice, bob, circleId);

    // names as each side knows them now: bob is "bobby"
    const general = [
      "~ alice created the circle",
      "~ bobby joined",
      "~ carol joined",
      "bobby: hi all",
      "~ bob is now bobby",
      "~ alice renamed the circle to Hill walkers",
      "~ alice created #trips",
      "~ alice removed carol from the circle",
      "alice: bye carol",
    ];
    expect(lines(alice, circleId)).toEqual(general);
    expect(lines(bob, circleId)).toEqual(general);
    expect(lines(alice, circleId, "trips")).toEqual(["~ bobby joined #trips", "~ bobby left #trips"]);
    // nothing stored twice: each event is one control row, and the log holds no extra rows
    const ev = circleTimeline(alice.store, circleId);
    expect(ev.size).toBe(general.filter((l) => l.startsWith("~")).length + 2);
    for (const id of ev.keys()) expect(alice.store.getMessage(id)?.channelId).toBe("__control");
  });

  test("paging: an event lands in the page of the messages around it, once", () => {
    const { circleId } = act.createCircle(alice, "Paged");
    for (let i = 0; i < 5; i++) {
      sendMessage(alice, circleId, "general", `m${i}`);
      clock();
    }
    enter(alice, bob, circleId, false);
    for (let i = 5; i < 10; i++) {
      sendMessage(alice, circleId, "general", `m${i}`);
      clock();
    }
    const newest = channelLog(alice.store, circleId, "general", { limit: 4 });
    expect(newest.events.size).toBe(0); // the join is older than the newest 4 messages
    const texts: string[] = [];
    let before: { sortMs: number; seq: number } | undefined;
    for (;;) {
      const page = channelLog(alice.store, circleId, "general", { limit: 4, before });
      texts.unshift(
        ...page.messages.map((m) => (page.events.get(m.msgId) ? `~${page.events.get(m.msgId)!.event.kind}` : m.text)),
      );
      if (page.messages.filter((m) => !page.events.has(m.msgId)).length < 4) break;
      before = { sortMs: page.messages[0]!.sortMs, seq: page.messages[0]!.seq };
    }
    expect(texts).toEqual(["~created", "m0", "m1", "m2", "m3", "m4", "~join", "m5", "m6", "m7", "m8", "m9"]);
  });

  test("legacy circle: v1 rename and channel events show too", () => {
    const { circleId } = act.createCircle(alice, "Old friends", { legacy: true });
    enter(alice, bob, circleId, true);
    bob.me().displayName = "robert";
    act.announceName(bob);
    channels.createChannel(alice, circleId, "lobby");
    exchange(alice, bob, circleId);
    const got = lines(alice, circleId);
    expect(got).toContain("~ bob is now robert");
    expect(got).toContain("~ alice created #lobby");
  });
});
