// Pins (issue 16, docs/PROTOCOL.md §19) over both stores: the circle owner pins and unpins, the
// owner of an invite channel pins there only, anyone else's pin event is refused on arrival
// (a forged one signed by a member), and legacy circles have no pins.
import { beforeEach, describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { CONTROL_CHANNEL } from "../../src/protocol/message.ts";
import { encodeEvent } from "../../src/protocol/v2/control-encode.ts";
import { KIND_CONTROL, signMessage } from "../../src/protocol/v2/message.ts";
import * as act from "../../src/peer/actions.ts";
import * as channels from "../../src/peer/actions-channels.ts";
import { type PeerCtx, v2Ctx } from "../../src/peer/ctx.ts";
import { listPins, pinMessage } from "../../src/peer/pins.ts";
import { sendMessage } from "../../src/peer/send.ts";
import { acceptSigned, nextOrder } from "../../src/sync/v2-apply.ts";
import { seededRng } from "../sync/helpers.ts";
import { enter, exchange, type Kind, makePeer, otherKind, refusal } from "./social-harness.ts";

const texts = (p: PeerCtx, circleId: string, ch = "general") =>
  listPins(p, circleId, ch).map((x) => x.message?.text ?? `?${x.msgId}`);

/** A pin event signed by `p` without the action's checks (what a hostile member could send). */
function forgedPin(p: PeerCtx, circleId: string, channelId: string, msgId: string): Uint8Array {
  const c = p.store.getCircle(circleId)!;
  return signMessage(p.keys().edSecret, {
    circleId,
    channelId: CONTROL_CHANNEL,
    authorKey: p.keys().edPublic,
    ...nextOrder(v2Ctx(p), circleId, p.now() * 1000),
    keyEpoch: c.keyEpoch,
    kind: KIND_CONTROL,
    displayName: p.me().displayName,
    body: encodeEvent({ t: "pin", pinned: true, channelId, msgId }),
    salt: seededRng(99)(16),
  }).wire;
}

describe.each(["sqlite", "mem"] as Kind[])("pins, owner on %s", (kind) => {
  let alice: PeerCtx;
  let bob: PeerCtx;
  beforeEach(() => {
    alice = makePeer(kind, "alice");
    bob = makePeer(otherKind(kind), "bob");
  });

  test("the circle owner pins and unpins; the other member sees the same list", () => {
    const { circleId } = act.createCircle(alice, "Pinned");
    enter(alice, bob, circleId, false);
    const a = sendMessage(bob, circleId, "general", "the plan");
    const b = sendMessage(bob, circleId, "general", "the map");
    exchange(alice, bob, circleId);
    pinMessage(alice, circleId, "general", a.msgId, true);
    pinMessage(alice, circleId, "general", b.msgId, true);
    exchange(alice, bob, circleId);
    expect(texts(bob, circleId)).toEqual(["the plan", "the map"]);
    expect(listPins(bob, circleId, "general")[0]).toMatchObject({ pinnedBy: alice.me().nodeId, channelId: "general" });
    expect(refusal(() => pinMessage(alice, circleId, "general", a.msgId, true)).code).toBe("E_CONFLICT");
    pinMessage(alice, circleId, "general", a.msgId, false);
    exchange(alice, bob, circleId);
    expect(texts(bob, circleId)).toEqual(["the map"]);
    expect(texts(alice, circleId)).toEqual(["the map"]);
    expect(refusal(() => pinMessage(alice, circleId, "general", a.msgId, false)).code).toBe("E_NOT_FOUND");
  });

  test("a member may not pin: refused by the action, and a forged pin event is refused on arrival", () => {
    const { circleId } = act.createCircle(alice, "Pinned");
    enter(alice, bob, circleId, false);
    const a = sendMessage(alice, circleId, "general", "owner's note");
    exchange(alice, bob, circleId);
    expect(refusal(() => pinMessage(bob, circleId, "general", a.msgId, true))).toMatchObject({
      code: "E_OWNER_ONLY",
      message: "only the circle owner or the channel owner may pin",
    });
    const v = acceptSigned(
      v2Ctx(alice),
      alice.store.getCircle(circleId)!,
      forgedPin(bob, circleId, "general", a.msgId),
      "v2",
    );
    expect(v).toMatchObject({ ok: false, reason: "only the circle owner or the channel owner may sign this event" });
    expect(texts(alice, circleId)).toEqual([]);
  });

  test("the owner of an invite channel pins in it, not in #general nor in a public channel of theirs", () => {
    const { circleId } = act.createCircle(alice, "Pinned");
    enter(alice, bob, circleId, false);
    channels.createChannel(bob, circleId, "inner", "invite");
    channels.createChannel(bob, circleId, "lobby");
    exchange(alice, bob, circleId);
    const i = sendMessage(bob, circleId, "inner", "inner note");
    const g = sendMessage(bob, circleId, "general", "general note");
    const l = sendMessage(bob, circleId, "lobby", "lobby note");
    exchange(alice, bob, circleId);
    pinMessage(bob, circleId, "inner", i.msgId, true);
    exchange(alice, bob, circleId);
    expect(texts(bob, circleId, "inner")).toEqual(["inner note"]);
    // alice is not in #inner: she holds the pin, not the sealed text
    expect(listPins(alice, circleId, "inner").map((p) => p.msgId)).toEqual([i.msgId]);
    expect(refusal(() => pinMessage(bob, circleId, "general", g.msgId, true)).code).toBe("E_OWNER_ONLY");
    expect(refusal(() => pinMessage(bob, circleId, "lobby", l.msgId, true)).code).toBe("E_OWNER_ONLY");
    const forged = forgedPin(bob, circleId, "lobby", l.msgId);
    expect(acceptSigned(v2Ctx(alice), alice.store.getCircle(circleId)!, forged, "v2").ok).toBe(false);
    // bad input changes nothing
    expect(refusal(() => pinMessage(alice, circleId, "general", "xyz", true)).code).toBe("E_BAD_INPUT");
    expect(refusal(() => pinMessage(alice, circleId, "general", i.msgId, true)).code).toBe("E_NOT_FOUND");
    expect(refusal(() => pinMessage(alice, circleId, "nope", i.msgId, true)).code).toBe("E_UNKNOWN_CHANNEL");
  });

  test("legacy circles have no pins", () => {
    const { circleId } = act.createCircle(alice, "Old", { legacy: true });
    const a = sendMessage(alice, circleId, "general", "x");
    expect(refusal(() => pinMessage(alice, circleId, "general", a.msgId, true))).toMatchObject({
      code: "E_REFUSED",
      message: "pins need a v2-only circle: original clients could not see them",
    });
  });
});

test("pin event codec: round trip, and a bad flag or short id is refused", async () => {
  const { decodeEvent } = await import("../../src/protocol/v2/control.ts");
  const e = { t: "pin" as const, pinned: true, channelId: "general", msgId: "ab".repeat(16) };
  const b = encodeEvent(e);
  expect(decodeEvent(b)).toEqual(e);
  // docs/PROTOCOL.md §19 vectors
  const v = { t: "pin" as const, channelId: "general", msgId: "00112233445566778899aabbccddeeff" };
  expect(toHex(encodeEvent({ ...v, pinned: true }))).toBe("0b010000000767656e6572616c00112233445566778899aabbccddeeff");
  expect(toHex(encodeEvent({ ...v, pinned: false }))).toBe(
    "0b000000000767656e6572616c00112233445566778899aabbccddeeff",
  );
  const bad = b.slice();
  bad[1] = 2;
  expect(() => decodeEvent(bad)).toThrow("unknown pin flags");
  expect(() => decodeEvent(b.slice(0, -1))).toThrow();
});
