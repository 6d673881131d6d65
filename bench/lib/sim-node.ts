// A simulated felund node for bench/sim.ts: the real v2 engine (V2Exchange: handshake,
// reconciliation, pushes, HELD), the real fan-out (src/peer/fan-out.ts) and the relay-only
// browser's store (MemStore) and the node's native crypto, wired to the simulated network of sim-net.ts instead of sockets.
// What the node shell adds on top (dialling, timers) is reduced to what the scenarios need:
// dial a given peer, close everything (down), send a message.
import { installNativePrimitives } from "../../src/node/native-primitives.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../../src/protocol/ids.ts";
import { nodeKeysFromSeed, type NodeKeys } from "../../src/protocol/v2/keys.ts";
import { fanOut, type Arrival, type SessionPort } from "../../src/peer/fan-out.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { composeText } from "../../src/sync/v2-apply.ts";
import { V2Exchange, type V2Deps, type V2Step } from "../../src/sync/v2-exchange.ts";
import { MemStore } from "../../ui/web/src/relay/mem-store.ts";
import { type EventQueue, type LinkModel, Pipe, prng } from "./sim-net.ts";

// the node's crypto (OpenSSL through node:crypto), as `felund serve` runs it
installNativePrimitives();

export const SIM_SECRET = "5e".repeat(32);
export const SIM_EPOCH_S = 1_800_000_000;

/** What the whole run observes: first time each node stored each message, and traffic. */
export interface Observer {
  stored(node: SimNode, ms: readonly StoredMessage[]): void;
}

function rngFrom(rand: () => number) {
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (rand() * 256) | 0;
    return out;
  };
}

interface Side {
  node: SimNode;
  ex: V2Exchange;
  out: Pipe;
  conn: SimConn;
}

export class SimConn {
  closed = false;
  client!: Side;
  server!: Side;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.client, this.server]) {
      s.out.open = false;
      s.node.sessions.delete(s);
    }
  }

  bytes(): number {
    return this.client.out.bytes + this.server.out.bytes;
  }
}

export class SimNode {
  readonly keys: NodeKeys;
  readonly store = new MemStore();
  readonly calls = new CallRegistry();
  readonly deps: V2Deps;
  readonly addr: string;
  readonly circleId = circleIdFromSecret(SIM_SECRET);
  /** live and handshaking connections of this node (one side each) */
  readonly sessions = new Set<Side>();
  up = true;
  private rand: () => number;

  constructor(
    readonly index: number,
    private q: EventQueue,
    private obs: Observer,
    ownerKey: Uint8Array | null,
  ) {
    this.rand = prng(index * 7919 + 17);
    this.keys = nodeKeysFromSeed(rngFrom(this.rand)(32));
    this.addr = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}:9999`;
    this.deps = {
      store: this.store,
      calls: this.calls,
      now: () => SIM_EPOCH_S + Math.floor(q.now / 1000),
      rng: rngFrom(this.rand),
      self: { keys: this.keys, listenAddr: this.addr, isSelfAddr: (a) => a === this.addr },
    };
    this.store.addCircle({
      circleId: this.circleId,
      secretHex: SIM_SECRET,
      name: "sim",
      owned: ownerKey === null,
      bootstrap: "",
      mode: "v2",
      keyEpoch: 0,
      joinedAt: SIM_EPOCH_S,
    });
    this.store.setCircleOwner(this.circleId, toHex(ownerKey ?? this.keys.edPublic));
  }

  /** Open a v2 session to `other` over a link with `model` (both directions). */
  dial(other: SimNode, model: LinkModel, rand: () => number): SimConn | null {
    if (!this.up || !other.up || other === this) return null;
    const conn = new SimConn();
    const c = V2Exchange.client(this.deps, this.circleId, other.addr);
    const s = V2Exchange.server(other.deps, this.addr.split(":")[0]!);
    const mk = (node: SimNode, ex: V2Exchange, to: () => Side): Side => ({
      node,
      ex,
      conn,
      out: new Pipe(this.q, model, rand, (line) => to().node.receive(to(), line)),
    });
    conn.client = mk(this, c, () => conn.server);
    conn.server = mk(other, s, () => conn.client);
    this.sessions.add(conn.client);
    other.sessions.add(conn.server);
    this.apply(conn.client, c.start());
    return conn;
  }

  /** Post a text message on #general (as the local API would), and fan it out. */
  send(text: string): StoredMessage {
    const r = composeText(
      { store: this.store, calls: this.calls, self: this.keys, now: this.deps.now() },
      {
        circleId: this.circleId,
        channelId: "general",
        displayName: `n${this.index}`,
        now: this.deps.now(),
        nowMs: SIM_EPOCH_S * 1000 + Math.floor(this.q.now),
        rng: this.deps.rng,
        text,
      },
    );
    if (!r.ok) throw new Error(`send: ${r.reason}`);
    this.arrived([r.value.row], { path: "local" });
    return r.value.row;
  }

  /** The node goes offline: every connection closes. */
  down(): void {
    this.up = false;
    for (const s of [...this.sessions]) s.conn.close();
  }

  /** Reconcile every live session again (a heal round). */
  resync(): void {
    for (const s of this.sessions) if (s.ex.live) this.apply(s, s.ex.resync());
  }

  receive(side: Side, line: string): void {
    if (side.conn.closed) return;
    this.apply(side, side.ex.receive(line));
    // the shell asks for the rest of a long answer as its queue drains; here, after each line
    if (!side.conn.closed) this.apply(side, side.ex.more());
  }

  private apply(side: Side, step: V2Step): void {
    for (const l of step.send) side.out.send(l);
    if (step.stored?.length)
      this.arrived(step.stored, { path: "session", session: side, peer: side.ex.result.peerNodeId });
    if (step.close) side.conn.close();
  }

  private arrived(stored: StoredMessage[], from: Arrival): void {
    this.obs.stored(this, stored);
    const self = this;
    fanOut(
      {
        notify() {},
        *sessions(): Iterable<SessionPort> {
          for (const s of [...self.sessions])
            if (s.ex.live && !s.conn.closed) yield { handle: s, push: (ms) => self.apply(s, s.ex.push(ms)) };
        },
        relay() {},
        v1() {},
      },
      stored,
      from,
    );
  }
}
