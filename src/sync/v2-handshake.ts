// The handshake of one v2 connection (docs/PROTOCOL.md §4.1-4.3) in either role, and what a
// connection does before and around its session: the embedded v1 exchange when a legacy
// circle's peer is an original node, admitting a joiner by invite, closing with an error.
// V2Exchange (v2-exchange.ts) adds the session; the shell only ever sees that class.
//
// In a legacy-compatible circle the client's HELLO is a full v1 HELLO (with a marked nonce,
// §4.3) plus the v2 offer, and an original server's CHALLENGE continues as a v1 exchange
// (this.v1); in a v2-only circle the HELLO names the circle only by a per-connection tag and
// anything but a v2 answer closes the connection.
import { fromHex, toHex } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import { parseHello, parseJsonFrame, parseWelcome } from "../protocol/frames.ts";
import { V2_HANDSHAKE_FRAMES_MAX } from "../protocol/limits.ts";
import { accept, ProtocolError, reject, type Verdict } from "../protocol/verdict.ts";
import { encodeFrame, type Admit, type Frame } from "../protocol/v2/frames.ts";
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
import { authKey, circleTag, markedV1Nonce } from "../protocol/v2/keys.ts";
import { V2_FILL_VERSION } from "../protocol/v2/fill.ts";
import { FrameOpener, FrameSealer } from "../protocol/v2/session.ts";
import { RECON2_OFFER } from "../protocol/v2/recon2.ts";
import { SKETCH_OFFER } from "../protocol/v2/sketch.ts";
import { PeerKnowledge } from "./knowledge.ts";
import { recordDialOk, recordInbound } from "./peers.ts";
import type { CircleRow } from "./store.ts";
import { epochKey, isKnownV2, isLegacy, wasMemberOfEpoch } from "./v2-apply.ts";
import { findCircle } from "./v2-route.ts";
import { V1Exchange, type ExchangeDeps } from "./v1-exchange.ts";
import type { JoinTicket, V2Deps, V2Result, V2Step } from "./v2-types.ts";

export type V2State = "start" | "hello" | "hs" | "auth" | "session" | "v1" | "done";

/** A v2 connection up to its session; V2Exchange adds the session (opening(), onFrame()). */
export abstract class V2Handshake {
  protected state: V2State;
  protected circle: CircleRow | undefined;
  private offer: OfferSecret | null = null;
  private helloLine = "";
  private rstate: ResponderState | null = null;
  private sealer: FrameSealer | null = null;
  private opener: FrameOpener | null = null;
  private v1: V1Exchange | null = null;
  protected join: JoinTicket | null;
  protected inviteId = "";
  private hsFrames = 0;
  /** our circle epoch when the session began (a rise during the session means we got a REKEY) */
  protected startEpoch = 0;
  /** the peer answers in RECON2 (§24): it offered it (server side) or sent one (client side) */
  protected peerRecon2 = false;
  /** the peer reads SKETCH (§28): it offered it (server side) or sent one (client side) */
  protected peerSketch = false;
  /** the peer offered V2_FILL_VERSION and this side can compress: a history it lacks goes as a streamed fill (§23) */
  protected peerTakesFill = false;
  readonly result: V2Result;

  protected constructor(
    protected deps: V2Deps,
    readonly role: "client" | "server",
    protected remoteIp: string,
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
      fill: null,
    };
  }

  /** The session begins (not for a join): what it sends first. */
  protected abstract opening(): string[];
  /** One opened session frame. */
  protected abstract onFrame(body: Uint8Array): V2Step;

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
    // a side that can inflate MSGS_Z offers the streamed fill (§23)
    this.offer = makeOffer(d.rng, this.circle.keyEpoch, undefined, d.zip ? [V2_FILL_VERSION] : []);
    if (!d.recon1Only) this.offer.offer.recon = d.noSketch ? [RECON2_OFFER] : [RECON2_OFFER, SKETCH_OFFER];
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
    this.peerRecon2 = !d.recon1Only && !!offer.recon?.includes(RECON2_OFFER);
    this.peerSketch = this.peerRecon2 && !d.noSketch && !!offer.recon?.includes(SKETCH_OFFER);
    this.peerTakesFill = !!d.zip && offer.versions.includes(V2_FILL_VERSION);
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
    if (!this.join) send.push(...this.opening());
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
    return this.out(this.opening(), "session");
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

  abort(reason: string): void {
    if (this.state === "v1") this.v1?.abort(reason);
    this.state = "done";
    this.abortReason ||= reason;
  }
  abortReason = "";

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

  protected frame(f: Frame): string {
    return this.sealer!.seal(encodeFrame(f));
  }

  protected count(lines: string[]): string[] {
    for (const l of lines) this.result.bytesSent += l.length + 1;
    return lines;
  }

  protected out(lines: string[], next?: V2State): V2Step {
    if (next) this.state = next;
    return { send: this.count(lines) };
  }

  protected finish(reason: string): V2Step {
    this.state = "done";
    return { send: [], close: { reason, error: false } };
  }

  /** Close with an error: plaintext ERROR lines during the handshake, or one sealed frame in session. */
  protected fatal(reason: string, errors: string[] = [], sealed?: string): V2Step {
    const send = sealed ? [sealed] : errors.map((err) => JSON.stringify({ t: "ERROR", err }));
    this.abort(reason);
    return { send: this.count(send), close: { reason, error: true } };
  }
}
