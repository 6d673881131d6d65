// The path matrix of issue 11: a message that reaches a felund node X by any path leaves at
// once by every other path, exactly once, and never back where it came from. Inbound paths
// (rows): a v1 exchange an original peer dials in, a v1 exchange X dials out, a v2 session
// push, a v2 reconciliation after a reconnect, the relay's WebSocket push, a relay pull, the
// local API. Outbound paths (columns, paths-world.ts): a felund node over a v2 session, the
// relay (a relay-only browser reads it there), an original peer behind NAT that dials in every
// 100 ms, an original peer that listens. One legacy circle, real sockets on 127.0.0.1.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { FelundNode } from "../../src/node/node.ts";
import * as svc from "../../src/node/service.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { FakePeer } from "./fake-peer.ts";
import { waitFor } from "./helpers.ts";
import {
  localApiSend,
  makeWorld,
  memberOf,
  originalMessage,
  postOriginalEnvelope,
  restrictPeers,
  type World,
} from "./paths-world.ts";

setDefaultTimeout(30_000);

/** The bound: every path delivers within 1 s. */
const WITHIN_MS = 1000;

let world: World | null = null;
afterEach(() => {
  world?.stop();
  world = null;
});

interface Row {
  name: string;
  relayWs?: boolean;
  /** whether the message came from the relay (then X must not post it back) */
  fromRelay?: boolean;
  /** set up what the row needs; returns the injection, which resolves to the new msg_id */
  prepare(w: World): Promise<() => Promise<string>>;
}

const rows: Row[] = [
  {
    name: "v1 inbound exchange (an original peer behind NAT dials X)",
    async prepare(w) {
      const s = new FakePeer({ secretHex: w.secretHex, listenAddr: "" });
      w.cleanup.push(() => s.stop());
      return async () => {
        const m = originalMessage(w, s, "v1 in");
        s.addMessages([m]);
        void s.dial(w.x.listenAddr!);
        return String(m.msg_id);
      };
    },
  },
  {
    name: "v1 outbound exchange (X dials an original peer that holds it)",
    async prepare(w) {
      const s = new FakePeer({ secretHex: w.secretHex });
      s.listen();
      w.cleanup.push(() => s.stop());
      return async () => {
        const m = originalMessage(w, s, "v1 out");
        s.addMessages([m]);
        void w.x.syncWith(w.cid, s.addr);
        return String(m.msg_id);
      };
    },
  },
  {
    name: "v2 session push (another felund node sends)",
    async prepare(w) {
      const z = await memberOf(w, "z");
      return async () => z.send(w.cid, "general", "v2 push").msgId;
    },
  },
  {
    name: "v2 reconciliation after a reconnect (a node wrote while offline)",
    async prepare(w) {
      const z = await memberOf(w, "z");
      z.stop();
      await waitFor(() => !w.x.sessionPeers(w.cid).includes(z.nodeId), 5000, "X sees Z gone");
      const offline = svc.sendMessage(z.ctx, w.cid, "general", "written offline");
      const back = new FelundNode({ store: z.store, bind: "127.0.0.1", port: 0, intervalS: 3600 });
      await back.start();
      w.cleanup.push(() => back.stop());
      restrictPeers(back, (id) => id === w.x.nodeId);
      return async () => {
        void back.syncWith(w.cid, w.x.listenAddr!);
        return offline.msgId;
      };
    },
  },
  {
    name: "relay WebSocket push (an original web client posts an envelope)",
    fromRelay: true,
    async prepare(w) {
      return () => postOriginalEnvelope(w, "via relay ws");
    },
  },
  {
    name: "relay WebSocket push (a relay-only felund browser sends)",
    fromRelay: true,
    async prepare(w) {
      const b2 = await RelayBackend.open({
        relayBase: w.relay.base,
        persist: new MemoryPersistence(),
        pollMs: 300,
        idlePollMs: 2000,
        reconnectMs: 200,
      });
      w.cleanup.push(() => b2.close());
      await b2.joinCircle(w.x.inviteCode(w.cid));
      await Bun.sleep(300);
      return async () => (await b2.send(w.cid, "general", "from a browser")).msgId;
    },
  },
  {
    name: "relay pull (X polls its relay; no WebSocket)",
    relayWs: false,
    fromRelay: true,
    async prepare(w) {
      return async () => {
        const id = await postOriginalEnvelope(w, "via relay pull");
        void w.x.relay!.pullNow(w.cid);
        return id;
      };
    },
  },
  {
    name: "local API send (X's own user)",
    async prepare(w) {
      return () => localApiSend(w, "from the local api");
    },
  },
];

describe("every path in, every path out (legacy circle)", () => {
  for (const row of rows) {
    test(row.name, async () => {
      const w = (world = await makeWorld({ relayWs: row.relayWs }));
      const inject = await row.prepare(w);
      const posts0 = w.xPosts();
      const t0 = Date.now();
      const id = await inject();
      const at: Record<string, number> = {};
      const arrived = {
        "v2 session (Y)": () => w.y.store.hasMessage(id),
        "relay (browser)": () => w.browserGot.some((m) => m.msgId === id),
        "v1 peer behind NAT (N)": () => w.natted.messages.has(id),
        "v1 peer that listens (L)": () => w.listener.messages.has(id),
      };
      await waitFor(
        () => {
          for (const [k, f] of Object.entries(arrived)) if (at[k] === undefined && f()) at[k] = Date.now() - t0;
          return Object.keys(at).length === Object.keys(arrived).length;
        },
        5000,
        `every path (so far: ${JSON.stringify(at)})`,
      ).catch(() => {});
      expect(Object.keys(at).sort()).toEqual(Object.keys(arrived).sort());
      for (const [k, ms] of Object.entries(at))
        expect({ path: k, ms: Math.min(ms, WITHIN_MS + 1) }).toEqual({ path: k, ms: Math.min(ms, WITHIN_MS) });
      // exactly once on every path, also after the next rounds of the NAT peer
      await Bun.sleep(400);
      expect(w.yEvents.get(id)).toBe(1);
      expect(w.browserGot.filter((m) => m.msgId === id).length).toBe(1);
      expect(w.natted.deliveries.get(id)).toBe(1);
      expect(w.listener.deliveries.get(id)).toBe(1);
      // never back where it came from: what came from the relay is not posted to it again
      if (row.fromRelay) expect(w.xPosts() - posts0).toBe(0);
      else expect(w.xPosts() - posts0).toBeGreaterThan(0);
    });
  }
});
