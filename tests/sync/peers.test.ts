// Peer bookkeeping (PROTOCOL-V1.md §10 W3) as pure functions over an in-memory store and a fixed
// clock: gossip cannot redirect or outrank peers we reached, stale gossip expires, we never
// select ourselves, and dial selection keeps the peers that work.
import { describe, expect, test } from "bun:test";
import { PEER_EXPIRE_S, PEER_MAX_FAILURES, PEER_SEEN_WRITE_S } from "../../src/protocol/limits.ts";
import {
  expirePeers,
  mergeGossipPeers,
  recordDialFailure,
  recordDialOk,
  recordInbound,
  selectDials,
} from "../../src/sync/peers.ts";
import { addCircle, makeSide, NOW, secretFor, seededRng } from "./helpers.ts";

const SELF = "5e1f5e1f5e1f5e1f5e1f5e1f";
const self = { nodeId: SELF, isSelfAddr: (a: string) => a === "127.0.0.1:9999" || a === "10.0.0.1:9999" };
const fresh = () => {
  const s = makeSide("p");
  const cid = addCircle(s.store, secretFor(77));
  return { store: s.store, cid };
};
const id = (i: number) => `a0${i.toString(16).padStart(22, "0")}`;

describe("gossiped peers (W3)", () => {
  test("a peer we reached keeps its address and is not outranked by far-future claims", () => {
    const { store, cid } = fresh();
    recordDialOk(store, cid, id(1), "192.0.2.1:9999", NOW, "v1");
    mergeGossipPeers(store, self, cid, [{ node_id: id(1), addr: "203.0.113.66:9999", last_seen: 9_999_999_999 }], NOW);
    expect(store.getPeer(cid, id(1))!.addr).toBe("192.0.2.1:9999");
    const fakes = Array.from({ length: 100 }, (_, i) => ({
      node_id: id(100 + i),
      addr: `198.51.100.${i}:9999`,
      last_seen: 9_999_999_999,
    }));
    expect(mergeGossipPeers(store, self, cid, fakes, NOW)).toBe(100);
    for (const f of fakes) expect(store.getPeer(cid, f.node_id)!.lastSeen).toBe(NOW); // clamped to our clock
    for (let seed = 1; seed <= 100; seed++)
      expect(selectDials(store.listPeers(cid), self, () => 0, NOW, seededRng(seed)).map((p) => p.nodeId)).toContain(
        id(1),
      );
  });

  test("a handshake claiming a reached peer's id does not move it, until that address fails", () => {
    const { store, cid } = fresh();
    recordDialOk(store, cid, id(12), "192.0.2.12:9999", NOW, "v1");
    recordInbound(store, cid, id(12), "203.0.113.12:9999", NOW + 1, "v1");
    expect(store.getPeer(cid, id(12))!.addr).toBe("192.0.2.12:9999");
    for (let i = 0; i < 3; i++) recordDialFailure(store, cid, id(12), NOW + 2);
    recordInbound(store, cid, id(12), "203.0.113.12:9999", NOW + 3, "v1");
    expect(store.getPeer(cid, id(12))).toMatchObject({ addr: "203.0.113.12:9999", failures: 0 });
    // nor does a member at another address that says it is that peer when we dial it
    recordDialOk(store, cid, id(14), "192.0.2.14:9999", NOW, "v1");
    recordDialOk(store, cid, id(14), "203.0.113.14:9999", NOW + 1, "v1");
    expect(store.getPeer(cid, id(14))).toMatchObject({ addr: "192.0.2.14:9999", lastOk: NOW });
    // a peer we never reached is simply recorded where it says it listens
    recordInbound(store, cid, id(13), "203.0.113.13:9999", NOW, "v1");
    recordInbound(store, cid, id(13), "203.0.113.14:9999", NOW + 1, "v1");
    expect(store.getPeer(cid, id(13))!.addr).toBe("203.0.113.14:9999");
  });

  test("gossip about us, or about our own addresses, is ignored", () => {
    const { store, cid } = fresh();
    const n = mergeGossipPeers(
      store,
      self,
      cid,
      [
        { node_id: SELF, addr: "192.0.2.9:1", last_seen: NOW },
        { node_id: id(2), addr: "127.0.0.1:9999", last_seen: NOW },
        { node_id: id(3), addr: "10.0.0.1:9999", last_seen: NOW },
        { node_id: id(4), addr: "no port", last_seen: NOW },
      ],
      NOW,
    );
    expect(n).toBe(0);
    expect(store.listPeers(cid)).toEqual([]);
  });

  test("selection never returns us or our addresses, even from records stored earlier", () => {
    const { store, cid } = fresh();
    for (const [nid, addr] of [
      [SELF, "192.0.2.1:1"],
      [id(5), "127.0.0.1:9999"],
      [id(6), "192.0.2.6:9999"],
    ] as const)
      store.putPeer({
        circleId: cid,
        nodeId: nid,
        addr,
        lastSeen: NOW,
        lastOk: NOW,
        failures: 0,
        source: "direct",
        proto: "v1",
      });
    const picks = selectDials(store.listPeers(cid), self, () => 0, NOW, seededRng(1));
    expect(picks.map((p) => p.nodeId)).toEqual([id(6)]);
  });

  test("gossip-only peers nobody confirmed expire after PEER_EXPIRE_S; peers we reached stay", () => {
    const { store, cid } = fresh();
    mergeGossipPeers(store, self, cid, [{ node_id: id(7), addr: "198.51.100.7:9999", last_seen: NOW }], NOW);
    recordDialOk(store, cid, id(8), "192.0.2.8:9999", NOW, "v1");
    recordInbound(store, cid, id(9), "192.0.2.9:9999", NOW, "v1");
    expect(expirePeers(store, cid, NOW + PEER_EXPIRE_S)).toBe(0);
    expect(expirePeers(store, cid, NOW + PEER_EXPIRE_S + 1)).toBe(1);
    expect(
      store
        .listPeers(cid)
        .map((p) => p.nodeId)
        .sort(),
    ).toEqual([id(8), id(9)]);
  });

  test("a peer that keeps failing is dropped once it has not worked for a day", () => {
    const { store, cid } = fresh();
    recordDialOk(store, cid, id(10), "192.0.2.10:9999", NOW, "v1");
    for (let i = 0; i < PEER_MAX_FAILURES; i++) recordDialFailure(store, cid, id(10), NOW + i);
    expect(expirePeers(store, cid, NOW + 60)).toBe(0);
    expect(expirePeers(store, cid, NOW + PEER_EXPIRE_S + 1)).toBe(1);
  });

  test("peers in back-off are skipped for this round", () => {
    const { store, cid } = fresh();
    recordDialOk(store, cid, id(11), "192.0.2.11:9999", NOW - 100, "v1");
    recordDialFailure(store, cid, id(11), NOW);
    recordDialFailure(store, cid, id(11), NOW);
    const p = store.listPeers(cid);
    expect(selectDials(p, self, () => NOW, NOW + 5, seededRng(1))).toEqual([]);
    expect(selectDials(p, self, () => NOW, NOW + 10, seededRng(1)).map((x) => x.nodeId)).toEqual([id(11)]);
  });
});

describe("peer times are not rewritten on every exchange", () => {
  test("a peer seen again within PEER_SEEN_WRITE_S costs no write; later, or with anything else changed, it does", () => {
    const { store, cid } = fresh();
    let writes = 0;
    const put = store.putPeer.bind(store);
    store.putPeer = (p) => {
      writes++;
      put(p);
    };
    recordInbound(store, cid, id(1), "192.0.2.1:9999", NOW, "v1");
    recordDialOk(store, cid, id(2), "192.0.2.2:9999", NOW, "v1");
    expect(writes).toBe(2);
    // an original dialling every 5 s, and our dials to a peer that keeps answering
    for (let t = 5; t < PEER_SEEN_WRITE_S; t += 5) {
      recordInbound(store, cid, id(1), "192.0.2.1:9999", NOW + t, "v1");
      recordDialOk(store, cid, id(2), "192.0.2.2:9999", NOW + t, "v1");
    }
    expect(writes).toBe(2);
    recordInbound(store, cid, id(1), "192.0.2.1:9999", NOW + PEER_SEEN_WRITE_S, "v1");
    recordDialOk(store, cid, id(2), "192.0.2.2:9999", NOW + PEER_SEEN_WRITE_S, "v1");
    expect(writes).toBe(4);
    expect(store.getPeer(cid, id(1))!.lastSeen).toBe(NOW + PEER_SEEN_WRITE_S);
    expect(store.getPeer(cid, id(2))!.lastOk).toBe(NOW + PEER_SEEN_WRITE_S);
    // a change of protocol (or address, failures) is written at once
    recordInbound(store, cid, id(1), "192.0.2.1:9999", NOW + PEER_SEEN_WRITE_S + 1, "v2");
    expect(store.getPeer(cid, id(1))!.proto).toBe("v2");
    recordDialFailure(store, cid, id(2), NOW + PEER_SEEN_WRITE_S + 1);
    recordDialOk(store, cid, id(2), "192.0.2.2:9999", NOW + PEER_SEEN_WRITE_S + 2, "v1");
    expect(store.getPeer(cid, id(2))!.failures).toBe(0);
  });
});
