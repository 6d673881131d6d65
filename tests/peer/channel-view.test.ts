// A channel as the front ends see it (src/peer/views.ts channelViews), over both stores: a
// key channel whose first message arrived before its signed channel_create event was stored
// as "public" by that message (noteChat) and shown as public and joined, so a member without
// its key saw authors over empty bodies. Its mode is its v2 event's, and it shows as locked.
import { expect, test } from "bun:test";
import { channelViews } from "../../src/peer/views.ts";
import { noteChat } from "../../src/sync/store.ts";
import { newStore, type StoreKind } from "../v2/helpers.ts";

const CIRCLE = "c".repeat(24);
const ALICE = "a".repeat(24);
const BOB = "b".repeat(24);

for (const kind of ["sqlite", "mem"] as StoreKind[])
  test(`${kind}: a key channel implied by a message first is shown as key, and locked for a non-member`, () => {
    const s = newStore(kind);
    s.addCircle({
      circleId: CIRCLE,
      secretHex: "00".repeat(32),
      name: "room",
      owned: false,
      bootstrap: "",
      mode: "v2",
      keyEpoch: 0,
      joinedAt: 1,
    });
    // alice's message in #secret arrives first: the channel row is made "public"
    noteChat(
      s,
      { circleId: CIRCLE, channelId: "secret", authorNodeId: ALICE, displayName: "alice", createdTs: 10 },
      10,
    );
    expect(channelViews(s, CIRCLE, BOB).find((c) => c.channelId === "secret")).toMatchObject({
      accessMode: "public",
      joined: true,
    });
    // then her channel_create event (key mode)
    s.putV2Channel({
      circleId: CIRCLE,
      channelId: "secret",
      ownerKey: "ab".repeat(32),
      mode: "key",
      scryptLogN: 14,
      keyCheck: "00",
      createdTs: 9,
      msgId: "m1",
    });
    expect(channelViews(s, CIRCLE, BOB).find((c) => c.channelId === "secret")).toMatchObject({
      accessMode: "key",
      joined: false,
    });
  });
