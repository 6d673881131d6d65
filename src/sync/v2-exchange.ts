// One v2 connection (docs/PROTOCOL.md §4): the handshake in either role, then a long-lived
// session that reconciles the circle once (range fingerprints), answers WANTs, and pushes new
// messages as the shell hands them in (push). A pure state machine like V1Exchange: the shell
// feeds lines and writes what comes back; store, clock and randomness are injected.
//
// In a legacy-compatible circle the client's HELLO is a full v1 HELLO (with a marked nonce,
// §4.3) plus the v2 offer, and an original server's CHALLENGE continues as a v1 exchange
// (this.v1); in a v2-only circle the HELLO names the circle only by a per-connection tag and
// anything but a v2 answer closes the connection.
import { fromHex, toHex } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import { parseHello, parseJsonFrame, parseWelcome, type PeerEntry } from "../protocol/frames.ts";
import { formatHostPort, parseHostPort } from "../protocol/hostport.ts";
import {
  PEERS_SEND_MAX,
  V2_GIVE_STEP_BYTES,
  V2_HANDSHAKE_FRAMES_MAX,
  V2_MSGS_FRAME_BUDGET,
  V2_RECON_ROUNDS_MAX,
  V2_WANT_MAX,
} from "../protocol/limits.ts";
import { toWireV1 } from "../protocol/message.ts";
import { accept, ProtocolError, reject, type Verdict } from "../protocol/verdict.ts";
import { V2DecodeError } from "../protocol/v2/codec.ts";
import {
  decodeFrame,
  encodeFrame,
  FORM_V1,
  FORM_V2,
  type Admit,
  type Frame,
  type MsgItem,
  type SignalFrame,
} from "../protocol/v2/frames.ts";
import {
  finishInitiator,
  finishResponder,
  makeOffer,
  offerJson,
  parseHsFrame,
  parseOffer,
  respond,
  type OfferSecret,
  type ResponderState,
} from "../protocol/v2/handshake.ts";
import { admissionVerdict, inviteAuthKey } from "../protocol/v2/invite.ts";
import { authKey, bytesEqual, circleTag, isMarkedV1Nonce, markedV1Nonce, type NodeKeys } from "../protocol/v2/keys.ts";
import { idHex, initialRanges, itemOf, ItemSet, processRanges, type Range } from "../protocol/v2/recon.ts";
import { FrameOpener, FrameSealer } from "../protocol/v2/session.ts";
import { fromBase64 } from "../protocol/bytes.ts";
import type { CallRegistry } from "./control-apply.ts";
import { PeerKnowledge } from "./knowledge.ts";
import { checkWireMessage, storeVerified } from "./merge.ts";
import { mergeGossipPeers, recordDialOk, recordInbound } from "./peers.ts";
import type { CircleRow, StoredMessage, SyncStoreV2 } from "./store.ts";
import { acceptSigned, epochKey, isKnownV2, isLegacy, wasMemberOfEpoch, type V2Ctx } from "./v2-apply.ts";
import { V1Exchange, type ExchangeDeps, type Step } from "./v1-exchange.ts";

export interface V2Deps {
  store: SyncStoreV2;
  calls: CallRegistry;
  now: () => number;
  rng: Rng;
  self: { keys: NodeKeys; listenAddr: string | null; isSelfAddr(addr: string): boolean };
  /** deps of the embedded v1 engine (legacy circles, client role); defaults built from the above */
  v1?: ExchangeDeps;
}

/** A join by felund2 invite: the ticket authenticates the handshake instead of a circle key. */
export interface JoinTicket {
  inviteId: Uint8Array;
  ticket: Uint8Array;
  circleId: string;
}

export interface V2Step extends Step {
  /** messages stored by this step (for the UI, other sessions and the relay) */
  stored?: StoredMessage[];
  /** call signals that arrived (sealed; the shell opens them or passes them on) */
  signals?: SignalFrame[];
}

export interface V2Result {
  circleId: string;
  peerNodeId: string;
  proto: "" | "v1" | "v2";
  epoch: number;
  /** the handshake completed */
  established: boolean;
  /** first reconciliation finished (both sides said all ranges match) */
  reconciled: boolean;
  stored: number;
  rejected: { msgId: string; reason: string }[];
  bytesSent: number;
  bytesReceived: number;
  /** set on a joiner once the issuer admitted it */
  admitted: Admit | null;
}

type State = "start" | "hello" | "hs" | "auth" | "session" | "v1" | "done";

export class V2Exchange {
  private state: State;
  private circle: CircleRow | undefined;
  private offer: OfferSecret | null = null;
  private helloLine = "";
  private rstate: ResponderState | null = null;
  private sealer: FrameSealer | null = null;
  private opener: FrameOpener | null = null;
  private v1: V1Exchange | null = null;
  private join: JoinTicket | null;
  private inviteId = "";
  /** this side's reconciliation items, built on demand; dropped whenever the circle's messages change */
  private items: ItemSet | null = null;
  private peerHas = new Set<string>();
  /** ids reconciliation found the peer lacks, not sent yet (more()) */
  private giveBacklog: string[] = [];
  private reconRounds = 0;
  private hsFrames = 0;
  /** our circle epoch when the session began (a rise during the session means we got a REKEY) */
  private startEpoch = 0;
  readonly result: V2Result;

  private constructor(
    private deps: V2Deps,
    readonly role: "client" | "server",
    private remoteIp: string,
    private dialAddr: string,
    circleId: string,
    join?: JoinTicket,
  ) {
    this.state = role === "client" ? "start" : "hello";
    this.join = join ?? null;
    this.result = {
      circleId,
      peerNodeId: "",
      proto: "",
      epoch: 0,
      established: false,
      reconciled: false,
      stored: 0,
      rejected: [],
      bytesSent: 0,
      bytesReceived: 0,
      admitted: null,
    };
  }

  static client(deps: V2Deps, circleId: string, dialAddr: string): V2Exchange {
    return new V2Exchange(deps, "client", parseHostPort(dialAddr)?.host ?? "", dialAddr, circleId);
  }
  static joiner(deps: V2Deps, ticket: JoinTicket, dialAddr: string): V2Exchange {
    return new V2Exchange(deps, "client", parseHostPort(dialAddr)?.host ?? "", dialAddr, ticket.circleId, ticket);
  }
  static server(deps: V2Deps, remoteIp: string): V2Exchange {
    return new V2Exchange(deps, "server", remoteIp, "", "");
  }

  get done(): boolean {
    return this.state === "done" || (this.state === "v1" && !!this.v1?.done);
  }
  /** an established long-lived session (the shell drops its read timeout) */
  get live(): boolean {
    return this.state === "session" && !this.join && !this.inviteId;
  }
  /** the embedded v1 exchange when a legacy circle's peer turned out to be an original node */
  get v1Exchange(): V1Exchange | null {
    return this.result.proto === "v1" ? this.v1 : null;
  }
  private get ctx(): V2Ctx {
    return { store: this.deps.store, calls: this.deps.calls, self: this.deps.self.keys, now: this.deps.now() };
  }

  start(): V2Step {
    if (this.role === "server") return { send: [] };
    const d = this.deps;
    if (this.join) {
      this.offer = makeOffer(d.rng, 0, this.join.inviteId);
      const hello = {
        t: "HELLO",
        node_id: toHex(d.rng(12)),
        circle_id: toHex(d.rng(12)),
        v2: offerJson(this.offer.offer),
      };
      return this.out([(this.helloLine = JSON.stringify(hello))], "hs");
    }
    this.circle = d.store.getCircle(this.result.circleId);
    if (!this.circle) return this.fatal("unknown circle");
    const secret = fromHex(this.circle.secretHex);
    this.offer = makeOffer(d.rng, this.circle.keyEpoch);
    let hello: Record<string, unknown>;
    if (isLegacy(this.circle)) {
      // a full v1 HELLO, so an original server can answer; its nonce carries the v2 mark
      const marked = fromHex(markedV1Nonce(secret, d.rng));
      let first = true;
      const rng: Rng = (n) => (first && n === 16 ? ((first = false), marked) : d.rng(n));
      this.v1 = V1Exchange.client({ ...this.v1Deps(), rng, encrypt: true }, this.result.circleId, this.dialAddr);
      hello = JSON.parse(this.v1.start().send[0]!);
    } else {
      // v2-only: nothing an impostor could use — a throwaway node id and a per-connection circle tag
      hello = { t: "HELLO", node_id: toHex(d.rng(12)), circle_id: toHex(circleTag(secret, this.offer.offer.nonce)) };
    }
    hello.v2 = offerJson(this.offer.offer);
    return this.out([(this.helloLine = JSON.stringify(hello))], "hs");
  }

  /** Feed one received line (without "\n"). */
  receive(line: string): V2Step {
    if (this.state === "done") return { send: [] };
    this.result.bytesReceived += line.length + 1;
    if (this.state === "v1") return this.viaV1(line);
    try {
      if (this.state !== "session" && ++this.hsFrames > V2_HANDSHAKE_FRAMES_MAX)
        return this.fatal("handshake too long");
      switch (this.state) {
        case "hello":
          return this.onHello(line);
        case "hs":
          return this.onHs(line);
        case "auth":
          return this.onAuth(line);
        case "session":
          return this.onFrame(this.opener!.open(line));
        default:
          return { send: [] };
      }
    } catch (e) {
      if (e instanceof ProtocolError) return this.fatal(e.message, this.state === "session" ? [] : ["Bad frame"]);
      throw e;
    }
  }

  // ---- handshake ----

  private onHello(line: string): V2Step {
    const d = this.deps;
    const f = parseJsonFrame(line);
    const h = parseHello(f);
    const offer = parseOffer(f.v2);
    if (!offer) return this.fatal("no v2 offer", ["Expected v2"]);
    this.helloLine = line;
    let auth: Uint8Array | null = null;
    let epoch = 0;
    if (offer.join) {
      const inv = d.store.getInvite(toHex(offer.join));
      if (!inv) return this.fatal("unknown invite", ["Unknown circle_id"]);
      this.inviteId = inv.inviteId;
      this.circle = d.store.getCircle(inv.circleId);
      if (!this.circle) return this.fatal("invite of a circle we left", ["Unknown circle_id"]);
      auth = inviteAuthKey(fromHex(inv.ticketHex));
    } else {
      this.circle = findCircle(d.store, h.circle_id, offer.nonce);
      if (!this.circle) return this.fatal("unknown circle", ["Unknown circle_id"]);
      epoch = Math.min(offer.epoch, this.circle.keyEpoch);
      const ek = epochKey(d.store, this.circle, epoch);
      if (!ek) return this.fatal(`no key for epoch ${epoch}`, ["Unknown epoch"]);
      auth = authKey(ek, epoch);
    }
    this.result.circleId = this.circle.circleId;
    this.result.epoch = epoch;
    const r = respond(line, offer, { auth, epoch, self: this.identity(), rng: d.rng });
    if (!r.ok) return this.fatal(r.reason, ["Auth failed"]);
    this.rstate = r.value.state;
    return this.out([r.value.line], "auth");
  }

  private onHs(line: string): V2Step {
    const f = parseJsonFrame(line);
    if (f.t === "ERROR") return this.fatal(`peer error: ${String(f.err ?? "").slice(0, 200)}`);
    if (f.t === "CHALLENGE") {
      if (this.join || !this.v1 || !this.circle || !isLegacy(this.circle))
        return this.fatal("peer answered v1 in a v2-only circle");
      this.result.proto = "v1";
      this.state = "v1";
      return this.v1.receive(line);
    }
    const hs = parseHsFrame(f);
    const d = this.deps;
    const circle = this.circle;
    const fin = finishInitiator(this.helloLine, this.offer!, hs, {
      self: this.identity(),
      authKeyOf: (ep) => {
        if (this.join) return ep === 0 ? inviteAuthKey(this.join.ticket) : null;
        const k = circle ? epochKey(d.store, circle, ep) : null;
        return k ? authKey(k, ep) : null;
      },
    });
    if (!fin.ok) return this.fatal(fin.reason);
    this.result.epoch = fin.value.epoch;
    const bad = this.checkPeer(fin.value.peerNodeId);
    if (bad) return this.fatal(bad);
    this.begin(fin.value.keys, fin.value.peerNodeId);
    const send = [fin.value.line];
    if (this.join) return this.out(send, "session");
    send.push(
      this.frame({ t: "peers", peers: this.peerList() }),
      this.frame({ t: "recon", ranges: initialRanges(this.itemSet()) }),
    );
    this.reconRounds++;
    return this.out(send, "session");
  }

  private onAuth(line: string): V2Step {
    const f = parseJsonFrame(line);
    if (f.t === "ERROR") return this.fatal(`peer error: ${String(f.err ?? "").slice(0, 200)}`);
    const fin = finishResponder(this.rstate!, f);
    if (!fin.ok) return this.fatal(fin.reason, ["Auth failed"]);
    const bad = this.checkPeer(fin.value.peerNodeId);
    if (bad) return this.fatal(bad, [bad === "connection from myself" ? "Self connection" : "Auth failed"]);
    this.begin(fin.value.keys, fin.value.peerNodeId);
    if (this.inviteId) return this.admit();
    return this.out([this.frame({ t: "peers", peers: this.peerList() })], "session");
  }

  private checkPeer(nodeId: string): string | null {
    if (nodeId === this.deps.self.keys.nodeId)
      return this.role === "client" ? "dialled myself" : "connection from myself";
    if (this.circle && this.deps.store.removedAt(this.circle.circleId, nodeId) !== undefined)
      return "peer was removed from the circle";
    // a session under an epoch a REKEY ended is for members of that epoch catching up, not for a fresh identity made with the old key
    const cur = this.circle ? this.deps.store.getCircle(this.circle.circleId) : undefined;
    if (
      cur &&
      !this.join &&
      !this.inviteId &&
      this.result.epoch < cur.keyEpoch &&
      !wasMemberOfEpoch(this.deps.store, cur.circleId, this.result.epoch, nodeId)
    )
      return "peer was not a member of the session's key epoch";
    return null;
  }

  private begin(keys: { send: Uint8Array; recv: Uint8Array }, peer: string): void {
    this.sealer = new FrameSealer(keys.send);
    this.opener = new FrameOpener(keys.recv);
    this.result.peerNodeId = peer;
    this.result.proto = "v2";
    this.result.established = true;
    this.v1 = null;
    this.startEpoch = this.circle ? (this.deps.store.getCircle(this.circle.circleId)?.keyEpoch ?? 0) : 0;
    const d = this.deps;
    if (this.circle && !this.join && !this.inviteId) {
      if (this.role === "client") recordDialOk(d.store, this.circle.circleId, peer, this.dialAddr, d.now(), "v2");
      else recordInbound(d.store, this.circle.circleId, peer, null, d.now(), "v2");
    }
  }

  private admit(): V2Step {
    const d = this.deps;
    const peer = this.result.peerNodeId;
    // the invite, its revocation and the circle's current epoch are read in the same
    // transaction that counts the use: a kick (which revokes) lands before or after, never between
    const checked = d.store.transaction((): Verdict<CircleRow> => {
      const inv = d.store.getInvite(this.inviteId);
      const circle = d.store.getCircle(this.circle!.circleId);
      if (!inv || !circle) return reject("invite no longer valid");
      const v = admissionVerdict(inv, d.now(), d.store.inviteAdmitted(inv.inviteId, peer));
      if (!v.ok) return v;
      if (v.value === "new") d.store.recordAdmission(inv.inviteId, peer, d.now());
      return accept(circle);
    });
    if (!checked.ok) return this.fatal(checked.reason, [], this.frame({ t: "close", reason: checked.reason }));
    const circle = checked.value;
    const ek = epochKey(d.store, circle, circle.keyEpoch);
    const owner = d.store.getCircleOwner(circle.circleId);
    if (!ek || !owner)
      return this.fatal("cannot admit: circle keys missing", [], this.frame({ t: "close", reason: "cannot admit" }));
    const admit: Admit = {
      secret: fromHex(circle.secretHex),
      v2Only: !isLegacy(circle),
      epoch: circle.keyEpoch,
      epochKey: ek,
      ownerKey: fromHex(owner),
      name: circle.name,
    };
    const send = [this.frame({ t: "admit", admit }), this.frame({ t: "close", reason: "admitted" })];
    this.state = "done";
    return { send: this.count(send), close: { reason: "admitted", error: false } };
  }

  // ---- session ----

  private onFrame(body: Uint8Array): V2Step {
    const f = decodeFrame(body);
    if (this.join) {
      if (f.t === "admit") {
        this.result.admitted = f.admit;
        return this.finish("admitted");
      }
      if (f.t === "close") return this.fatal(`issuer refused: ${f.reason}`);
      throw new V2DecodeError("expected ADMIT");
    }
    switch (f.t) {
      case "recon":
        return this.onRecon(f.ranges);
      case "want":
        return this.out(this.msgFrames(f.ids.map(idHex), false));
      case "msgs":
        return this.onMsgs(f.items);
      case "peers": {
        const d = this.deps;
        const cid = this.circle!.circleId;
        const own = f.peers.find((p) => p.nodeId === this.result.peerNodeId);
        if (own && this.role === "server" && this.remoteIp) {
          const hp = parseHostPort(own.addr);
          const addr = hp ? formatHostPort(this.remoteIp, hp.port) : null;
          if (addr && !d.self.isSelfAddr(addr))
            recordInbound(d.store, cid, this.result.peerNodeId, addr, d.now(), "v2");
        }
        const others: PeerEntry[] = f.peers
          .filter((p) => p.nodeId !== this.result.peerNodeId)
          .map((p) => ({ node_id: p.nodeId, addr: p.addr, last_seen: p.lastSeen }));
        mergeGossipPeers(d.store, { nodeId: d.self.keys.nodeId, isSelfAddr: d.self.isSelfAddr }, cid, others, d.now());
        return { send: [] };
      }
      case "close":
        return this.finish(`peer closed: ${f.reason}`);
      case "signal":
        return { send: [], signals: [f] };
      case "admit":
        throw new V2DecodeError("unexpected ADMIT");
    }
  }

  private onRecon(ranges: Range[]): V2Step {
    if (ranges.length === 0) {
      this.result.reconciled = true;
      this.reconRounds = 0;
      return { send: [] };
    }
    if (++this.reconRounds > V2_RECON_ROUNDS_MAX)
      return this.fatal("too many reconciliation rounds", [], this.frame({ t: "close", reason: "too many rounds" }));
    const r = processRanges(this.itemSet(), ranges);
    const send: string[] = [];
    for (let i = 0; i < r.want.length; i += V2_WANT_MAX)
      send.push(this.frame({ t: "want", ids: r.want.slice(i, i + V2_WANT_MAX) }));
    // what the peer lacks leaves in parts of V2_GIVE_STEP_BYTES: the first now, the rest as the
    // connection drains (more()), so a whole history for a new member never sits in one queue
    this.giveBacklog.push(...r.give.map(idHex));
    send.push(...this.giveSome());
    send.push(this.frame({ t: "recon", ranges: r.out }));
    if (r.out.length === 0) {
      this.result.reconciled = true;
      this.reconRounds = 0;
    }
    return this.out(send);
  }

  private onMsgs(items: MsgItem[]): V2Step {
    const d = this.deps;
    const circle = d.store.getCircle(this.circle!.circleId)!;
    const stored: StoredMessage[] = [];
    const ctx = this.ctx;
    // one commit (one fsync) for the whole frame, not one per message and per side effect
    d.store.transaction(() => this.storeItems(items, circle, ctx, stored));
    if (stored.length) this.items = null;
    this.result.stored += stored.length;
    const after = d.store.getCircle(circle.circleId)!;
    if (after.keyEpoch > this.startEpoch && after.keyEpoch > this.result.epoch && !this.join) {
      // we just learned a newer epoch key: this session's keys are the old epoch's; reconnect under the new one
      return {
        ...this.fatal("rekeyed: reconnect under the new epoch", [], this.frame({ t: "close", reason: "rekeyed" })),
        stored,
      };
    }
    return { send: [], stored };
  }

  /** Verify and store the items of one MSGS frame (inside the caller's transaction). */
  private storeItems(items: MsgItem[], circle: CircleRow, ctx: V2Ctx, stored: StoredMessage[]): void {
    const d = this.deps;
    for (const it of items) {
      if (it.form === FORM_V2) {
        const v = acceptSigned(ctx, circle, it.data, "v2");
        if (v.ok) {
          stored.push(v.value);
          this.peerHas.add(v.value.msgId);
        } else if (v.kind === "reject") this.result.rejected.push({ msgId: "?", reason: v.reason });
      } else {
        if (!isLegacy(circle)) {
          this.result.rejected.push({ msgId: "?", reason: "v1 message in a v2-only circle" });
          continue;
        }
        let raw: unknown;
        try {
          raw = JSON.parse(new TextDecoder().decode(it.data));
        } catch {
          this.result.rejected.push({ msgId: "?", reason: "v1 message is not JSON" });
          continue;
        }
        const v = checkWireMessage(raw, circle.circleId, fromHex(circle.secretHex), d.store);
        if (!v.ok) {
          if (v.kind === "reject")
            this.result.rejected.push({
              msgId: String((raw as { msg_id?: unknown })?.msg_id ?? "?").slice(0, 64),
              reason: v.reason,
            });
          continue;
        }
        const row = storeVerified(d.store, d.calls, v.value, "v2", ctx.now);
        if (row) stored.push(row);
        this.peerHas.add(v.value.msgId);
      }
    }
  }

  /** The next part of what reconciliation found the peer lacks (the shell asks as its queue drains). */
  more(): V2Step {
    if (this.state !== "session" || !this.giveBacklog.length) return { send: [] };
    return this.out(this.giveSome());
  }

  /** MSGS frames for the head of the give backlog, up to about V2_GIVE_STEP_BYTES. */
  private giveSome(): string[] {
    const frames: string[] = [];
    let bytes = 0;
    while (this.giveBacklog.length && bytes < V2_GIVE_STEP_BYTES) {
      const ids = this.giveBacklog.splice(0, 32); // small slices, so the budget check is fine-grained
      for (const f of this.msgFrames(ids, false)) {
        frames.push(f);
        bytes += f.length + 1;
      }
    }
    return frames;
  }

  /** Send messages the peer may lack (new local messages, or ones another session brought). */
  push(messages: StoredMessage[]): V2Step {
    if (this.state !== "session" || this.join || this.inviteId) return { send: [] };
    const mine = messages.filter((m) => m.circleId === this.result.circleId);
    // the store changed under this session: its next reconciliation must see these messages too
    if (mine.length) this.items = null;
    const ids = mine.filter((m) => !this.peerHas.has(m.msgId)).map((m) => m.msgId);
    if (!ids.length) return { send: [] };
    return this.out(this.msgFrames(ids, true));
  }

  /** Send a call signal over this session (docs/PROTOCOL.md §15). */
  signal(f: Omit<SignalFrame, "t">): V2Step {
    if (!this.live) return { send: [] };
    return this.out([this.frame({ t: "signal", ...f })]);
  }

  /** Start another reconciliation round (periodic healing on a long-lived connection). */
  resync(): V2Step {
    if (this.state !== "session" || this.join || this.inviteId) return { send: [] };
    // healing covers everything the circle holds now, whatever path stored it
    this.items = null;
    this.reconRounds++;
    return this.out([this.frame({ t: "recon", ranges: initialRanges(this.itemSet()) })]);
  }

  /** Close politely (shutdown, circle left). */
  close(reason: string): V2Step {
    if (this.state !== "session") return this.finish(reason);
    const send = [this.frame({ t: "close", reason })];
    this.state = "done";
    return { send: this.count(send), close: { reason, error: false } };
  }

  abort(reason: string): void {
    if (this.state === "v1") this.v1?.abort(reason);
    this.state = "done";
    this.abortReason ||= reason;
  }
  abortReason = "";

  // ---- helpers ----

  private itemSet(): ItemSet {
    if (!this.items) {
      const circle = this.deps.store.getCircle(this.circle!.circleId)!;
      const rows = this.deps.store.v2Items(circle.circleId, { maxEpoch: this.result.epoch, legacy: isLegacy(circle) });
      this.items = new ItemSet(rows.map((r) => itemOf(r.ts, r.signed ? r.msgId : unsignedItemId(r.msgId))));
    }
    return this.items;
  }

  /** MSGS frames for these ids, within the frame budget; only what this session may serve. */
  private msgFrames(ids: string[], pushed: boolean): string[] {
    const d = this.deps;
    const circle = d.store.getCircle(this.circle!.circleId)!;
    const legacy = isLegacy(circle);
    const frames: string[] = [];
    let batch: MsgItem[] = [];
    let size = 0;
    // an id may name the MAC-only item of a message (see unsignedItemId): look up both forms
    const wanted = [...new Set(ids.flatMap((id) => [id, unsignedItemId(id)]))];
    for (const m of d.store.getMessages(circle.circleId, wanted)) {
      const wire = d.store.getV2Wire(m.msgId);
      let item: MsgItem | null = null;
      if (wire) {
        const data = fromBase64(wire);
        if (epochOfWire(data) <= this.result.epoch) item = { form: FORM_V2, data };
      } else if (legacy && m.mac) item = { form: FORM_V1, data: new TextEncoder().encode(JSON.stringify(toWireV1(m))) };
      if (!item) continue;
      if (size + item.data.length > V2_MSGS_FRAME_BUDGET && batch.length) {
        frames.push(this.frame({ t: "msgs", pushed, items: batch }));
        batch = [];
        size = 0;
      }
      batch.push(item);
      size += item.data.length + 5;
      this.peerHas.add(m.msgId);
    }
    if (batch.length) frames.push(this.frame({ t: "msgs", pushed, items: batch }));
    return frames;
  }

  private peerList(): { nodeId: string; addr: string; lastSeen: number }[] {
    const d = this.deps;
    const now = d.now();
    const cid = this.circle!.circleId;
    const list = d.store
      .listPeers(cid)
      .filter((p) => p.addr && p.nodeId !== this.result.peerNodeId)
      .sort((a, b) => Math.max(b.lastSeen, b.lastOk) - Math.max(a.lastSeen, a.lastOk))
      .slice(0, PEERS_SEND_MAX)
      .map((p) => ({ nodeId: p.nodeId, addr: p.addr, lastSeen: Math.min(now, Math.max(p.lastSeen, p.lastOk)) }));
    if (d.self.listenAddr) list.unshift({ nodeId: d.self.keys.nodeId, addr: d.self.listenAddr, lastSeen: now });
    return list;
  }

  private viaV1(line: string): V2Step {
    const v1 = this.v1!;
    if (line.startsWith("{")) {
      try {
        const f = parseJsonFrame(line);
        if (f.t === "WELCOME") {
          const w = parseWelcome(f);
          if (w.node_id && isKnownV2(this.deps.store, this.result.circleId, w.node_id)) {
            v1.abort("downgrade");
            return this.fatal("downgrade: this peer is known to speak v2 but answered v1");
          }
        }
      } catch {
        /* the v1 engine reports malformed frames itself */
      }
    }
    const s = v1.receive(line);
    if (v1.done) this.state = "done";
    return { ...s, stored: v1.result.stored.length && v1.done ? v1.result.stored : undefined };
  }

  private v1Deps(): ExchangeDeps {
    const d = this.deps;
    return (
      d.v1 ?? {
        store: d.store,
        calls: d.calls,
        now: d.now,
        rng: d.rng,
        knowledge: new PeerKnowledge(() => d.now() * 1000),
        self: { nodeId: d.self.keys.nodeId, isSelfAddr: d.self.isSelfAddr, listenAddr: d.self.listenAddr },
      }
    );
  }

  private identity() {
    return { edPublic: this.deps.self.keys.edPublic, edSecret: this.deps.self.keys.edSecret };
  }

  private frame(f: Frame): string {
    return this.sealer!.seal(encodeFrame(f));
  }

  private count(lines: string[]): string[] {
    for (const l of lines) this.result.bytesSent += l.length + 1;
    return lines;
  }

  private out(lines: string[], next?: State): V2Step {
    if (next) this.state = next;
    return { send: this.count(lines) };
  }

  private finish(reason: string): V2Step {
    this.state = "done";
    return { send: [], close: { reason, error: false } };
  }

  /** Close with an error: plaintext ERROR lines during the handshake, or one sealed frame in session. */
  private fatal(reason: string, errors: string[] = [], sealed?: string): V2Step {
    const send = sealed ? [sealed] : errors.map((err) => JSON.stringify({ t: "ERROR", err }));
    this.abort(reason);
    return { send: this.count(send), close: { reason, error: true } };
  }
}

/**
 * Recon item id of a MAC-only row (legacy circles): the msg_id with the top bit of its last
 * byte flipped. A signed and an unsigned copy of one message then differ in reconciliation, so
 * the unsigned side receives the signed copy and attaches the signature; the flip is its own
 * inverse, so WANT lookups try both forms.
 */
export function unsignedItemId(msgId: string): string {
  const last = parseInt(msgId.slice(30, 32), 16) ^ 0x80;
  return msgId.slice(0, 30) + last.toString(16).padStart(2, "0");
}

function epochOfWire(wire: Uint8Array): number {
  // the key_epoch field sits after the tag, version, circle_id, channel_id, author key and created_ts
  let o = 4 + new DataView(wire.buffer, wire.byteOffset).getUint32(0) + 1;
  const dv = new DataView(wire.buffer, wire.byteOffset);
  o += 4 + dv.getUint32(o);
  o += 4 + dv.getUint32(o);
  o += 32 + 8;
  return dv.getUint32(o);
}

/**
 * The circle a v2 HELLO names: by its id (a peer that still sees the circle as legacy-compatible
 * sends it), or by the per-connection tag (v2-only form).
 */
export function findCircle(store: SyncStoreV2, circleField: string, nonce: Uint8Array): CircleRow | undefined {
  const direct = store.getCircle(circleField);
  if (direct) return direct;
  if (!/^[0-9a-f]{24}$/.test(circleField)) return undefined;
  const tag = fromHex(circleField);
  return store.listCircles().find((c) => bytesEqual(circleTag(fromHex(c.secretHex), nonce), tag));
}

/**
 * Which engine serves an inbound connection, decided on its first line (HELLO): v2 when it
 * carries an offer; v1 only for a legacy circle, from a node not known to speak v2, whose
 * nonce is not v2-marked (a marked nonce without an offer = the offer was stripped). A refusal
 * looks like the v1 answers ("Unknown circle_id" for v2-only circles, so nothing is revealed).
 */
export function routeInbound(
  line: string,
  store: SyncStoreV2,
): { engine: "v2" | "v1" } | { engine: "refuse"; send: string[]; reason: string } {
  let f: Record<string, unknown>;
  try {
    f = parseJsonFrame(line);
  } catch {
    return { engine: "v1" };
  }
  if (f.t === "HELLO" && f.v2 !== undefined) return { engine: "v2" };
  if (f.t !== "HELLO") return { engine: "v1" };
  let h: ReturnType<typeof parseHello>;
  try {
    h = parseHello(f);
  } catch {
    return { engine: "v1" };
  }
  const c = store.getCircle(h.circle_id);
  if (!c) return { engine: "v1" };
  const refuse = (reason: string, err: string) => ({
    engine: "refuse" as const,
    send: [JSON.stringify({ t: "ERROR", err })],
    reason,
  });
  if (!isLegacy(c)) return refuse("v1 HELLO for a v2-only circle", "Unknown circle_id");
  if (isMarkedV1Nonce(fromHex(c.secretHex), h.nonce))
    return refuse("downgrade detected: a v2 node's HELLO arrived without its v2 offer", "v2 required");
  if (isKnownV2(store, c.circleId, h.node_id))
    return refuse("downgrade detected: this node is known to speak v2", "v2 required");
  return { engine: "v1" };
}
