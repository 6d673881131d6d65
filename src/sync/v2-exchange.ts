// One v2 connection (docs/PROTOCOL.md §4): the handshake in either role (V2Handshake,
// v2-handshake.ts), then a long-lived session that reconciles the circle once (range
// fingerprints), answers WANTs, and pushes new messages as the shell hands them in (push).
// A pure state machine like V1Exchange: the shell feeds lines and writes what comes back;
// store, clock and randomness are injected.
import { isValidChannelId } from "../protocol/channel-id.ts";
import { formatHostPort, parseHostPort } from "../protocol/hostport.ts";
import type { PeerEntry } from "../protocol/frames.ts";
import { PEERS_SEND_MAX, V2_RECON_ROUNDS_MAX } from "../protocol/limits.ts";
import { V2DecodeError } from "../protocol/v2/codec.ts";
import { openItems, V2_INBOX_FRAMES, V2_INBOX_INLINE_BYTES } from "../protocol/v2/fill.ts";
import { decodeFrame, FORM_V2, type Frame, type MsgItem, type SignalFrame } from "../protocol/v2/frames.ts";
import { wireSigCheck } from "../protocol/v2/message.ts";
import { ProtocolError } from "../protocol/verdict.ts";
import { idHex, initialRanges, type Range } from "../protocol/v2/recon.ts";
import { RECON2 } from "../protocol/v2/recon2.ts";
import type { SketchPart } from "../protocol/v2/sketch.ts";
import { mergeGossipPeers, recordInbound } from "./peers.ts";
import type { StoredMessage } from "./store.ts";
import type { V2Ctx } from "./v2-apply.ts";
import { V2Handshake } from "./v2-handshake.ts";
import type { JoinTicket, V2Deps, V2Step } from "./v2-types.ts";
import { V2Messages } from "./v2-messages.ts";
import { V2Blobs } from "./v2-blobs.ts";

export type { JoinTicket, V2Deps, V2Result, V2Step } from "./v2-types.ts";

export class V2Exchange extends V2Handshake {
  /** the messages side of the session, made when it opens */
  private msgs: V2Messages | null = null;
  /** the attachment chunks side of the session (§20) */
  private blobs: V2Blobs | null = null;
  private reconRounds = 0;
  /**
   * Frames waiting their turn while a streamed fill's signatures are checked by deps.verifier:
   * each runs, in arrival order, once its checks are back (the rest right after); their steps go
   * to `later`. Empty without a verifier, or before the first MSGS_Z.
   */
  private inbox: { ready: boolean; run: () => V2Step }[] = [];
  private later: ((s: V2Step) => void) | null = null;
  private whenIdle: (() => void)[] = [];

  static client(deps: V2Deps, circleId: string, dialAddr: string): V2Exchange {
    return new V2Exchange(deps, "client", parseHostPort(dialAddr)?.host ?? "", dialAddr, circleId);
  }
  static joiner(deps: V2Deps, ticket: JoinTicket, dialAddr: string): V2Exchange {
    return new V2Exchange(deps, "client", parseHostPort(dialAddr)?.host ?? "", dialAddr, ticket.circleId, ticket);
  }
  static server(deps: V2Deps, remoteIp: string): V2Exchange {
    return new V2Exchange(deps, "server", remoteIp, "", "");
  }

  private get ctx(): V2Ctx {
    return { store: this.deps.store, calls: this.deps.calls, self: this.deps.self.keys, now: this.deps.now() };
  }

  protected opening(): string[] {
    this.msgs = new V2Messages(
      this.deps,
      this.circle!.circleId,
      this.result.epoch,
      (f) => this.frame(f),
      this.result.peerNodeId,
      this.peerTakesFill,
    );
    this.blobs = new V2Blobs(this.deps.blobs, this.circle!.circleId, this.deps.now);
    const send = [this.frame({ t: "peers", peers: this.peerList() }), ...this.msgs.controlBeforeFloor()];
    if (this.role === "server") return send;
    send.push(this.reconStart());
    this.reconRounds++;
    return send;
  }

  /**
   * Where steps that complete after receive() returned go (the connection writes them). Only an
   * engine given one checks a fill's signatures through deps.verifier; without it every frame is
   * handled inside receive().
   */
  onLater(fn: (s: V2Step) => void): void {
    this.later = fn;
  }

  /** Frames are queued behind signature checks past V2_INBOX_FRAMES: the connection stops reading until they drain. */
  get busy(): boolean {
    return this.inbox.length >= V2_INBOX_FRAMES;
  }

  /** Resolves when no received frame waits for its signature checks (tests, benchmarks). */
  settled(): Promise<void> {
    if (!this.inbox.length) return Promise.resolve();
    return new Promise((r) => this.whenIdle.push(r));
  }

  protected onFrame(body: Uint8Array): V2Step {
    const f = decodeFrame(body);
    // (a fill's first frame, one screen, is checked here at once: readable before the pool has started)
    const big = f.t === "msgs_z" && f.rawLen > V2_INBOX_INLINE_BYTES;
    if (this.later && this.deps.verifier && !this.join && (this.inbox.length || big)) return this.enqueue(f);
    return this.handle(f);
  }

  /** A frame behind signature checks (a MSGS_Z's, or anything after one): opened now, handled in its turn. */
  private enqueue(f: Frame): V2Step {
    const entry = { ready: true, run: () => this.handle(f) };
    if (f.t === "msgs_z") {
      if (!this.deps.zip) throw new V2DecodeError("unexpected MSGS_Z");
      const items = openItems(this.deps.zip, f.rawLen, f.data);
      const verified = new WeakSet<Uint8Array>();
      const asked: Uint8Array[] = [];
      const checks = [];
      for (const it of items) {
        const c = it.form === FORM_V2 ? wireSigCheck(it.data) : null;
        if (c) {
          asked.push(it.data);
          checks.push(c);
        }
      }
      entry.ready = false;
      entry.run = () => this.fillItems(items, verified);
      const done = () => {
        entry.ready = true;
        this.drainInbox();
      };
      this.deps.verifier!.verify(checks).then((ok) => {
        // only a "verifies" skips the inline check; anything else (false, a short answer) is checked as before
        for (let i = 0; i < asked.length; i++) if (ok[i] === true) verified.add(asked[i]!);
        done();
      }, done);
    }
    this.inbox.push(entry);
    return { send: [] };
  }

  /** Handle the frames whose checks are back, in arrival order; each step goes to the connection. */
  private drainInbox(): void {
    while (this.inbox[0]?.ready) {
      const e = this.inbox.shift()!;
      if (this.state === "done") {
        this.inbox = [];
        break;
      }
      let step: V2Step;
      try {
        step = e.run();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        step = this.fatal(err.message);
      }
      this.later!(step);
    }
    if (!this.inbox.length) for (const r of this.whenIdle.splice(0)) r();
  }

  private handle(f: Frame): V2Step {
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
      case "recon2":
        // a peer that answers in RECON2 reads it (§24); one from before it never sends it
        if (this.deps.recon1Only) throw new V2DecodeError("frame: unknown type 14");
        this.peerRecon2 = true;
        return this.onRecon(f.ranges);
      case "sketch":
        // only a peer that offered SKETCH is sent one, and only such a peer sends one (§28)
        if (this.deps.recon1Only || this.deps.noSketch) throw new V2DecodeError("frame: unknown type 15");
        this.peerRecon2 = this.peerSketch = true;
        return this.onSketch(f.part);
      case "want":
        return this.out(this.msgs!.msgFrames(f.ids.map(idHex), false));
      case "msgs":
        return this.onMsgs(f.items);
      case "fill":
        return { send: [], fill: this.filled(f.sent, f.total, f.sent === f.total) };
      case "msgs_z": {
        // a streamed fill's messages (§23): only a side that offered it inflates them; history, so no HELD
        if (!this.deps.zip) throw new V2DecodeError("unexpected MSGS_Z");
        return this.fillItems(openItems(this.deps.zip, f.rawLen, f.data));
      }
      case "held": {
        const ids = f.ids.map(idHex);
        this.msgs!.peerHolds(ids);
        return { send: [], held: ids };
      }
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
      case "typing":
        // a notice about another circle, or a channel no one can name, is a broken peer (§22)
        if (f.circleId !== this.circle!.circleId) throw new V2DecodeError("frame: TYPING for another circle");
        if (!isValidChannelId(f.channelId)) throw new V2DecodeError("frame: TYPING for an invalid channel");
        return { send: [], typing: [f.channelId] };
      case "blob_want":
        return this.out(this.blobs!.answer(f.ids).map((x) => this.frame(x)));
      case "blob_data": {
        const v = this.blobs!.arrived(f.id, f.data);
        if (!v.ok) return this.fatal(v.reason, [], this.frame({ t: "close", reason: v.reason }));
        return { send: [], blobs: [v.value] };
      }
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
    return this.answered(this.msgs!.answerRecon(ranges, this.peerRecon2, this.peerSketch));
  }

  private onSketch(part: SketchPart): V2Step {
    if (++this.reconRounds > V2_RECON_ROUNDS_MAX)
      return this.fatal("too many reconciliation rounds", [], this.frame({ t: "close", reason: "too many rounds" }));
    return this.answered(this.msgs!.answerSketch(part));
  }

  private answered(r: { send: string[]; matched: boolean }): V2Step {
    if (r.matched) {
      this.result.reconciled = true;
      this.reconRounds = 0;
    }
    return this.out(r.send);
  }

  private filled(got: number, total: number, done: boolean) {
    this.result.fill = { circleId: this.circle!.circleId, got, total, done };
    return { ...this.result.fill };
  }

  /** A MSGS_Z frame's messages: stored, and the fill's progress */
  private fillItems(items: MsgItem[], verified?: WeakSet<Uint8Array>): V2Step {
    const step = this.onMsgs(items, false, verified);
    const got = (this.result.fill?.got ?? 0) + items.length;
    return { ...step, fill: this.filled(got, Math.max(got, this.result.fill?.total ?? 0), false) };
  }

  /** `ack`: answer with HELD (not for a fill's history) */
  private onMsgs(items: MsgItem[], ack = true, verified?: WeakSet<Uint8Array>): V2Step {
    const d = this.deps;
    const circle = d.store.getCircle(this.circle!.circleId)!;
    const stored: StoredMessage[] = [];
    const held: string[] = [];
    const ctx = this.ctx;
    // one commit (one fsync) for the whole frame, not one per message and per side effect
    const store = () => this.msgs!.storeItems(items, circle, ctx, stored, this.result.rejected, held, verified);
    // a fill's frame: its full-text entries in one statement at the end (§23), not a trigger per row
    d.store.transaction(() => (!ack && d.store.bulkFts ? d.store.bulkFts(store) : store()));
    if (stored.length) this.msgs!.changed();
    this.result.stored += stored.length;
    const after = d.store.getCircle(circle.circleId)!;
    if (after.keyEpoch > this.startEpoch && after.keyEpoch > this.result.epoch && !this.join) {
      // we just learned a newer epoch key: this session's keys are the old epoch's; reconnect under the new one
      return {
        ...this.fatal("rekeyed: reconnect under the new epoch", [], this.frame({ t: "close", reason: "rekeyed" })),
        stored,
      };
    }
    // tell the sender what we hold now, so its author knows the message reached a member (HELD, §4.6)
    return { send: ack ? this.count(this.msgs!.heldFrames(held)) : [], stored };
  }

  /** The next part of what reconciliation found the peer lacks (the shell asks as its queue drains). */
  more(): V2Step {
    if (this.state !== "session" || !this.msgs?.hasBacklog) return { send: [] };
    return this.out(this.msgs.giveSome());
  }

  /** Send messages the peer may lack (new local messages, or ones another session brought). */
  push(messages: StoredMessage[]): V2Step {
    if (this.state !== "session" || this.join || this.inviteId) return { send: [] };
    const frames = this.msgs!.pushFrames(messages);
    return frames.length ? this.out(frames) : { send: [] };
  }

  /** Ask the peer for attachment chunks; each answer comes back as a step's `blobs`. */
  wantBlobs(ids: readonly string[]): V2Step {
    if (!this.live || !this.blobs) return { send: [] };
    return this.out(this.blobs.want(ids).map((f) => this.frame(f)));
  }

  /** Send a call signal over this session (docs/PROTOCOL.md §15). */
  signal(f: Omit<SignalFrame, "t">): V2Step {
    if (!this.live) return { send: [] };
    return this.out([this.frame({ t: "signal", ...f })]);
  }

  /**
   * Tell the peer this node's user is typing in a channel (§22; the caller throttles). Only to a
   * peer known to read TYPING: one that offered or sent RECON2 (the same release; a v2 node from
   * before closes the session on an unknown frame type).
   */
  typing(channelId: string): V2Step {
    if (this.state !== "session" || this.join || this.inviteId || !this.peerRecon2) return { send: [] };
    return this.out([this.frame({ t: "typing", circleId: this.circle!.circleId, channelId })]);
  }

  /** Start another reconciliation round (periodic healing on a long-lived connection). */
  resync(): V2Step {
    if (this.state !== "session" || this.join || this.inviteId) return { send: [] };
    // while a fill or a backlog is still on its way, a heal round finds that same difference again
    // and serves it twice (a 1,000,000-message join: duplicate pages and a serving RSS spike)
    if (this.msgs!.hasBacklog || (this.result.fill && !this.result.fill.done)) return { send: [] };
    // healing covers everything the circle holds now, whatever path stored it
    this.msgs!.changed();
    this.reconRounds++;
    return this.out([this.reconStart()]);
  }

  /** A round's first frame, in RECON2 once the peer is known to read it (§24). */
  private reconStart(): string {
    const set = this.msgs!.itemSet();
    const floor = this.msgs!.floor();
    if (this.peerRecon2) return this.frame({ t: "recon2", ranges: initialRanges(set, RECON2, floor) });
    return this.frame({ t: "recon", ranges: initialRanges(set, undefined, floor) });
  }

  /** Close politely (shutdown, circle left). */
  close(reason: string): V2Step {
    if (this.state !== "session") return this.finish(reason);
    const send = [this.frame({ t: "close", reason })];
    this.state = "done";
    return { send: this.count(send), close: { reason, error: false } };
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
}
