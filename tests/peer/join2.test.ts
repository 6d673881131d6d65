// The felund2 join of both shells (src/peer/join2.ts) over both stores: each joiner runs on one
// store kind and its owner on the other. Through a real relay's /v1/signal, by a joiner that can
// dial (the node) and one that cannot (the browser), and over an injected in-memory "TCP" line
// (a V2Exchange pair pumped as tests/v2/helpers.ts connect does): admitted, refused (the
// issuer's reason reaches the user), unreachable, and a code for a circle already here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as act from "../../src/peer/actions.ts";
import type { PeerCtx } from "../../src/peer/ctx.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { type Join2Transport, joinV2 } from "../../src/peer/join2.ts";
import { postV1 } from "../../src/peer/post-v1.ts";
import { Admissions } from "../../src/peer/relay/admission-engine.ts";
import { RelayApi } from "../../src/peer/relay/api.ts";
import { encodeInvite2, encodeInvite2Compact } from "../../src/protocol/v2/invite.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { CallRegistry } from "../../src/sync/call-registry.ts";
import { type V2Deps, V2Exchange, type V2Step } from "../../src/sync/v2-exchange.ts";
import { NOW, newStore, seededRng, type StoreKind } from "../v2/helpers.ts";
import { startRelay, type TestRelay } from "../web/relay-helpers.ts";

const KINDS: StoreKind[] = ["sqlite", "mem"];
const other = (k: StoreKind): StoreKind => (k === "sqlite" ? "mem" : "sqlite");
const OWNER_ADDR = "127.0.0.1:9";

interface Peer {
  ctx: PeerCtx;
  deps: V2Deps;
}

let seeds = 500;
function makePeer(kind: StoreKind): Peer {
  const seed = ++seeds;
  const keys = nodeKeysFromSeed(seededRng(seed)(32));
  const me = { nodeId: keys.nodeId, displayName: `p${seed}` };
  const ctx: PeerCtx = {
    store: newStore(kind),
    calls: new CallRegistry(),
    now: () => NOW,
    rng: seededRng(seed * 31 + 7),
    v2: true,
    keys: () => keys,
    me: () => me,
    invitePeer: () => OWNER_ADDR,
    peerIds: () => [],
    postV1: (c, ch, text) => postV1(ctx, c, ch, text),
  };
  const deps: V2Deps = {
    store: ctx.store,
    calls: ctx.calls,
    now: ctx.now,
    rng: ctx.rng,
    self: { keys, listenAddr: "", isSelfAddr: () => false },
  };
  return { ctx, deps };
}

/** An owner with a v2 circle and a felund2 code naming `peer`. */
function ownerWithCode(kind: StoreKind, peer: string, opts: { maxUses?: number } = {}) {
  const owner = makePeer(kind);
  const { circleId } = act.createCircle(owner.ctx, "club");
  const { code, invite } = act.inviteCode(owner.ctx, circleId, { peer, ...opts });
  return { owner, circleId, code, invite: invite! };
}

/** The owner's node answering on a line: the joiner's exchange and a server one, pumped until nothing moves. */
function lineTo(owner: Peer): NonNullable<Join2Transport["tcp"]> {
  return async (_peer, _hp, ex) => {
    const server = V2Exchange.server(owner.deps, "127.0.0.1");
    const q: Record<"client" | "server", string[]> = { client: [], server: [] };
    const closed: { client?: string; server?: string } = {};
    const feed = (from: "client" | "server", s: V2Step) => {
      q[from === "client" ? "server" : "client"].push(...s.send);
      if (s.close) closed[from] ??= s.close.reason;
    };
    feed("client", ex.start());
    for (let i = 0; i < 1000 && !(closed.client || closed.server); i++) {
      if (q.server.length) feed("server", server.receive(q.server.shift()!));
      else if (q.client.length) feed("client", ex.receive(q.client.shift()!));
      else break;
    }
    // the client reads what the server said before it hung up
    while (q.client.length && !closed.client) feed("client", ex.receive(q.client.shift()!));
    return closed.client ?? closed.server ?? "closed";
  };
}

/** A shell's transport: `tcp` for one that dials, none for a browser whose own relay is `ownRelay`. */
const transport = (o: { tcp?: Join2Transport["tcp"]; ownRelay?: string; nowMs?: () => number; joiner: Peer }) => ({
  v2Deps: () => o.joiner.deps,
  nowMs: o.nowMs ?? Date.now,
  relayApi: (base: string) => new RelayApi(base, o.joiner.ctx.keys().nodeId),
  tcp: o.tcp,
  ownRelay: o.ownRelay === undefined ? undefined : () => o.ownRelay!,
});

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("joined");
    },
    (e) => {
      if (!(e instanceof FelundError)) throw e;
      return { code: e.code, message: e.message };
    },
  );

/** A clock that runs fast, so a 60 s relay deadline passes in a few real seconds. */
const fastClock = () => {
  let skew = 0;
  return () => Date.now() + (skew += 15_000);
};

describe("felund2 join over an injected line", () => {
  for (const kind of KINDS)
    describe(`joiner on ${kind}`, () => {
      test("admitted: the circle enters, our card is returned to publish, bootstrap recorded", async () => {
        const { owner, circleId, code } = ownerWithCode(other(kind), OWNER_ADDR);
        const joiner = makePeer(kind);
        const entered: string[] = [];
        const r = await joinV2(joiner.ctx, code, {
          ...transport({ joiner, tcp: lineTo(owner) }),
          entering: (id, path, addr) => entered.push(`${id} ${path} ${addr}`),
        });
        expect(r).toMatchObject({ circleId, created: true, path: "tcp", addr: OWNER_ADDR });
        expect(r.rows.length).toBeGreaterThan(0);
        expect(entered).toEqual([`${circleId} tcp ${OWNER_ADDR}`]);
        expect(joiner.ctx.store.getCircle(circleId)?.mode).toBe("v2");
      });

      test("refused: the issuer's reason reaches the user", async () => {
        const { owner, code, invite } = ownerWithCode(other(kind), OWNER_ADDR, { maxUses: 1 });
        await joinV2(makePeer(kind).ctx, code, transport({ joiner: makePeer(kind), tcp: lineTo(owner) }));
        const late = makePeer(kind);
        expect(await rejection(joinV2(late.ctx, code, transport({ joiner: late, tcp: lineTo(owner) })))).toEqual({
          code: "E_NOT_ADMITTED",
          message: "the inviter did not admit us: invite used up",
        });
        const forged = encodeInvite2({ ...invite, inviteId: new Uint8Array(16).fill(7) }, owner.ctx.keys().edSecret);
        const j = makePeer(kind);
        const e = await rejection(joinV2(j.ctx, forged, transport({ joiner: j, tcp: lineTo(owner) })));
        // (over a line the issuer refuses an unknown invite in the original's words)
        expect(e).toEqual({
          code: "E_NOT_ADMITTED",
          message: "the inviter did not admit us: peer error: Unknown circle_id",
        });
        expect(j.ctx.store.listCircles()).toEqual([]);
      });

      test("the code is unsigned, so an ADMIT counts only from the owner key it names (§10.3)", async () => {
        const { owner, invite } = ownerWithCode(other(kind), OWNER_ADDR);
        // a code edited to name another owner (a compact code has a check value, not a signature):
        // the node that holds the ticket admits, but it is not that owner, so the joiner refuses
        const stranger = nodeKeysFromSeed(seededRng(4242)(32));
        const edited = encodeInvite2Compact({ ...invite, ownerKey: stranger.edPublic }, stranger.edSecret);
        const j = makePeer(kind);
        expect(await rejection(joinV2(j.ctx, edited, transport({ joiner: j, tcp: lineTo(owner) })))).toEqual({
          code: "E_NOT_ADMITTED",
          message: "the inviter did not admit us: admitted by a node that is not the circle's owner",
        });
        expect(j.ctx.store.listCircles()).toEqual([]);
      });

      test("unreachable, and a code naming no host:port", async () => {
        const { code } = ownerWithCode(other(kind), OWNER_ADDR);
        const j = makePeer(kind);
        expect(await rejection(joinV2(j.ctx, code, transport({ joiner: j, tcp: async () => null })))).toEqual({
          code: "E_UNREACHABLE",
          message: `cannot reach the inviter at ${OWNER_ADDR}; try again when their node is online`,
        });
        const odd = ownerWithCode(other(kind), "nowhere");
        expect((await rejection(joinV2(j.ctx, odd.code, transport({ joiner: j, tcp: lineTo(odd.owner) })))).code).toBe(
          "E_BAD_INVITE",
        );
        expect((await rejection(joinV2(j.ctx, "felund2.junk", transport({ joiner: j })))).code).toBe("E_BAD_INVITE");
      });

      test("a circle already here: nobody is asked again", async () => {
        const { owner, circleId, code } = ownerWithCode(other(kind), OWNER_ADDR);
        const joiner = makePeer(kind);
        await joinV2(joiner.ctx, code, transport({ joiner, tcp: lineTo(owner) }));
        let dialed = 0;
        const r = await joinV2(
          joiner.ctx,
          code,
          transport({
            joiner,
            tcp: async () => {
              dialed++;
              return null;
            },
          }),
        );
        expect(r).toMatchObject({ circleId, created: false, rows: [], path: "tcp" });
        expect(dialed).toBe(0);
      });
    });
});

describe("felund2 join through a relay", () => {
  let relay: TestRelay;
  beforeAll(() => {
    relay = startRelay();
  });
  afterAll(() => relay.stop());

  /** The owner answering joins on the relay until stopped. */
  function answering(owner: Peer) {
    const id = owner.ctx.keys().nodeId;
    const adm = new Admissions(new RelayApi(relay.base, id), id, () => owner.deps, Date.now);
    let on = true;
    const loop = (async () => {
      while (on) {
        await adm.poll(() => {});
        await Bun.sleep(50);
      }
    })();
    return async () => {
      on = false;
      await loop;
    };
  }

  for (const kind of KINDS)
    for (const dials of [true, false])
      test(`joiner on ${kind}, ${dials ? "a shell that dials" : "a browser"}: admitted, then refused`, async () => {
        const { owner, circleId, code } = ownerWithCode(other(kind), `${relay.base}/`, { maxUses: 1 });
        const stop = answering(owner);
        try {
          const joiner = makePeer(kind);
          const tcp = dials ? async () => null : undefined;
          const r = await joinV2(joiner.ctx, code, transport({ joiner, tcp, ownRelay: "http://elsewhere" }));
          expect(r).toMatchObject({ circleId, created: true, path: "relay", addr: relay.base });
          expect(r.rows.length).toBeGreaterThan(0);
          const again = await joinV2(joiner.ctx, code, transport({ joiner, tcp }));
          expect(again).toMatchObject({ circleId, created: false, path: "relay" });
          const late = makePeer(kind);
          expect(await rejection(joinV2(late.ctx, code, transport({ joiner: late, tcp })))).toEqual({
            code: "E_NOT_ADMITTED",
            message: "the inviter did not admit us: invite used up",
          });
        } finally {
          await stop();
        }
      });

  test("a host:port code, in a shell that cannot dial, goes through its own relay", async () => {
    const { owner, circleId, code } = ownerWithCode("sqlite", OWNER_ADDR);
    const stop = answering(owner);
    try {
      const joiner = makePeer("mem");
      const r = await joinV2(joiner.ctx, code, transport({ joiner, ownRelay: relay.base }));
      expect(r).toMatchObject({ circleId, created: true, path: "relay", addr: relay.base });
    } finally {
      await stop();
    }
  });

  test("nobody answers: unreachable, with each shell's message", async () => {
    const viaRelay = ownerWithCode("sqlite", relay.base);
    const j = makePeer("mem");
    const e = await rejection(joinV2(j.ctx, viaRelay.code, transport({ joiner: j, nowMs: fastClock() })));
    expect(e.code).toBe("E_UNREACHABLE");
    expect(e.message).toStartWith("the inviter did not admit us: the inviter did not answer through the relay");
    const hostPort = ownerWithCode("sqlite", OWNER_ADDR);
    const b = await rejection(
      joinV2(j.ctx, hostPort.code, transport({ joiner: j, ownRelay: relay.base, nowMs: fastClock() })),
    );
    expect(b).toEqual({
      code: "E_UNREACHABLE",
      message: `this code names ${OWNER_ADDR}, which a browser cannot reach, and its owner did not answer through ${relay.base} either (their node needs a relay)`,
    });
    const down = ownerWithCode("sqlite", "http://127.0.0.1:1");
    expect((await rejection(joinV2(j.ctx, down.code, transport({ joiner: j })))).code).toBe("E_UNREACHABLE");
    expect(j.ctx.store.listCircles()).toEqual([]);
  }, 20_000);
});
