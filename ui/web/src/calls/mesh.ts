// The media of a call: a WebRTC mesh, one RTCPeerConnection per other participant, and the
// host's links to receive-only viewers (docs/PROTOCOL.md §15; who links with whom and who offers:
// mesh-links.ts). Signals go out through the backend (sealed and signed on their way) and come
// back as opened "call-signal" events; this file only speaks WebRTC.
//
//   * The offering side offers; the other answers (it says "hello" to ask for an offer
//     when it arrives later or reloads). Renegotiation (a camera switched on) may come from
//     either side, with the "perfect negotiation" pattern: the smaller id is impolite and
//     ignores a colliding offer, the other rolls back its own and answers (PROTOCOL-V1.md §7.6).
//   * Each page has a random instance id, sent in every signal: a reloaded page is a new peer
//     (the old connection is dropped), and signals addressed to an earlier instance are ignored.
//   * A link that fails (or stays disconnected) restarts ICE; so does a network change. A peer
//     with no working link and no signal for CALL_PEER_TIMEOUT_S is dropped ("lost"), and
//     probed now and then in case it comes back; "bye" drops it at once.
//   * Mute sends nothing at all (the sender's track is replaced by none), so the other side
//     hears silence and no audio packets leave; the camera works the same way once added.
//
// The local devices, meters and controls are in mesh-media.ts (the base class), one peer's
// state in mesh-peer.ts.
import {
  CALL_CANDIDATE_FLUSH_MS,
  CALL_DISCONNECTED_GRACE_MS,
  CALL_EARLY_SIGNAL_MS,
  CALL_EARLY_SIGNALS_MAX,
  CALL_PROBE_LOST_MS,
  CALL_RETRY_HELLO_MS,
  CALL_RETRY_OFFER_MS,
  CALL_TICK_MS,
} from "../../../../src/protocol/call-mesh-limits.ts";
import { CALL_PEER_TIMEOUT_S } from "../../../../src/protocol/limits.ts";
import type { CallSignalType } from "../../../shared/types.ts";
import { meshLinks, type CallShape } from "./mesh-links.ts";
import { MeshMedia, type MeshOptions } from "./mesh-media.ts";
import { Peer, peerStats, randomId, type MeshTransport, type PeerInfo, type SignalData } from "./mesh-peer.ts";

export type { PeerInfo } from "./mesh-peer.ts";

export class Mesh extends MeshMedia {
  readonly instance = randomId();
  private allowed = new Set<string>();
  private early: { from: string; type: CallSignalType; data: string; at: number }[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  overCapacity = false;

  constructor(
    private t: MeshTransport,
    o: MeshOptions,
  ) {
    super(o);
  }

  /** Open the microphone, then start watching the links and the network. */
  override async open(): Promise<void> {
    await super.open();
    this.timer = setInterval(() => this.tick(), CALL_TICK_MS);
    addEventListener("online", this.onNetwork);
    (navigator as unknown as { connection?: EventTarget }).connection?.addEventListener?.("change", this.onNetwork);
  }

  private log(line: string) {
    this.o.log?.(line);
  }

  /** Who is in the call now: connect to new links, close those gone (left, or revoked by the host here). */
  setCall(c: CallShape) {
    if (this.closed) return;
    const l = meshLinks(c, this.t.self);
    this.overCapacity = l.overCapacity;
    this.allowed = new Set(l.others);
    // a link whose offering side changed (a viewer who joined) starts over
    for (const [id, p] of this.peers) if (!this.allowed.has(id) || p.initiator !== l.offers(id)) this.drop(p, "left");
    const now = Date.now();
    for (const id of l.others) if (!this.peers.has(id)) this.start(this.addPeer(id, l.offers(id), now));
    // signals that came before the join event did
    const early = this.early.filter((x) => this.allowed.has(x.from) && now - x.at < CALL_EARLY_SIGNAL_MS);
    this.early = this.early.filter((x) => !this.allowed.has(x.from) && now - x.at < CALL_EARLY_SIGNAL_MS);
    for (const x of early) void this.onSignal(x.from, x.type, x.data);
    this.o.onChange();
  }

  private addPeer(id: string, offers: boolean, now: number): Peer {
    const p = new Peer(id, offers, now);
    if (this.outputDeviceId)
      void (p.audioEl as HTMLAudioElement & { setSinkId?(id: string): Promise<void> })
        .setSinkId?.(this.outputDeviceId)
        .catch(() => {});
    this.sink.append(p.audioEl);
    this.peers.set(id, p);
    return p;
  }

  /** First contact: the offering side builds the connection (its negotiation sends the offer); the other says hello. */
  private start(p: Peer) {
    p.lastAttemptAt = Date.now();
    if (p.initiator) this.connection(p);
    else void this.send(p, "hello", {});
  }

  peerList(): PeerInfo[] {
    return [...this.peers.values()].map((p) => ({
      nodeId: p.nodeId,
      status: p.status,
      level: p.level,
      muted: p.muted,
      cam: p.cam,
      video: p.video,
    }));
  }

  private async send(p: Peer, type: CallSignalType, d: Omit<SignalData, "i" | "ti">) {
    if (this.closed && type !== "bye") return;
    const data: SignalData = { i: this.instance, ti: p.remoteInstance, ...d };
    try {
      await this.t.send(p.nodeId, type, JSON.stringify(data));
    } catch (e) {
      this.log(`signal ${type} to ${p.nodeId.slice(0, 8)}: ${(e as Error).message}`);
    }
  }

  private connection(p: Peer): RTCPeerConnection {
    if (p.pc) return p.pc;
    const pc = new RTCPeerConnection({ iceServers: this.o.iceServers });
    p.pc = pc;
    p.gotOffer = false;
    p.audioSender = null;
    p.videoSender = null;
    pc.onicecandidate = (e) => {
      if (!e.candidate || p.pc !== pc) return;
      p.outCandidates.push(e.candidate.toJSON());
      p.flushTimer ??= setTimeout(() => {
        p.flushTimer = null;
        const c = p.outCandidates.splice(0);
        if (c.length && p.pc === pc) void this.send(p, "candidates", { c });
      }, CALL_CANDIDATE_FLUSH_MS);
    };
    pc.onnegotiationneeded = async () => {
      // the answering side never opens the first negotiation (PROTOCOL-V1.md §7.6)
      if (p.pc !== pc || (!p.initiator && !p.gotOffer)) return;
      try {
        p.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription?.type === "offer") {
          p.lastAttemptAt = Date.now();
          await this.send(p, "offer", { sdp: pc.localDescription.toJSON() });
        }
      } catch (e) {
        this.log(`offer to ${p.nodeId.slice(0, 8)}: ${(e as Error).message}`);
      } finally {
        p.makingOffer = false;
      }
    };
    pc.ontrack = (e) => {
      if (e.track.kind === "audio") {
        const s = new MediaStream([e.track]);
        p.audioEl.srcObject = s;
        void p.audioEl.play().catch(() => {});
        if (this.ctx) {
          p.source?.disconnect();
          p.source = this.ctx.createMediaStreamSource(s);
          p.analyser = this.ctx.createAnalyser();
          p.analyser.fftSize = 512;
          p.source.connect(p.analyser);
        }
      } else {
        p.video = new MediaStream([e.track]);
        e.track.onunmute = () => this.o.onChange();
      }
      this.o.onChange();
    };
    pc.onconnectionstatechange = () => {
      if (p.pc !== pc) return;
      const s = pc.connectionState;
      if (s === "connected") {
        p.status = "connected";
        p.lastGoodAt = Date.now();
        p.disconnectedAt = 0;
        void this.send(p, "state", { m: this.muted, v: this.camera });
      } else {
        if (p.status === "connected") p.status = "connecting";
        if (s === "failed") this.restart(p, "failed");
        else if (s === "disconnected") p.disconnectedAt = Date.now();
      }
      this.o.onChange();
    };
    if (this.audioTrack) p.audioSender = pc.addTrack(this.audioTrack, this.stream!);
    if (this.muted && p.audioSender) void p.audioSender.replaceTrack(null);
    if (this.videoTrack) p.videoSender = pc.addTrack(this.videoTrack, this.stream!);
    return pc;
  }

  /** Drop the connection to a peer's earlier page (or a dead one) and start over. */
  private reset(p: Peer) {
    p.pc?.close();
    p.pc = null;
    p.pending = [];
    p.outCandidates = [];
    p.video = null;
    p.status = "connecting";
  }

  /** ICE restart (the offering side), or a hello asking the offering side for one. */
  private restart(p: Peer, why: string) {
    p.lastAttemptAt = Date.now();
    p.restarts++;
    if (p.initiator) {
      this.log(`restart ICE with ${p.nodeId.slice(0, 8)} (${why})`);
      if (!p.pc || p.pc.signalingState === "closed") {
        p.pc = null;
        this.connection(p);
        return;
      }
      if (p.pc.signalingState === "have-local-offer" && p.pc.localDescription)
        void this.send(p, "offer", { sdp: p.pc.localDescription.toJSON() });
      else p.pc.restartIce();
    } else void this.send(p, "hello", {});
  }

  private onNetwork = () => {
    for (const p of this.peers.values()) if (p.status !== "lost") this.restart(p, "network change");
  };

  /**
   * An opened signal from another participant. Signals are handled one at a time, in arrival
   * order: handled side by side, a repeated offer could reach setLocalDescription after the
   * first one's answer had made the connection stable, which creates an offer (that went out as
   * the "answer"), and the two ends were stuck in have-local-offer / have-remote-offer for good:
   * no later renegotiation (ICE restart, camera) went through.
   */
  onSignal(from: string, type: CallSignalType, raw: string): Promise<void> {
    const run = this.signalQueue.then(() => this.handleSignal(from, type, raw));
    this.signalQueue = run.catch(() => {});
    return run;
  }
  private signalQueue: Promise<void> = Promise.resolve();

  private async handleSignal(from: string, type: CallSignalType, raw: string): Promise<void> {
    if (this.closed) return;
    let d: SignalData;
    try {
      d = JSON.parse(raw);
    } catch {
      return;
    }
    if (!d || typeof d.i !== "string") return;
    if (d.ti && d.ti !== this.instance) return; // for an earlier page of mine
    const p = this.peers.get(from);
    if (!p) {
      if (this.early.length < CALL_EARLY_SIGNALS_MAX) this.early.push({ from, type, data: raw, at: Date.now() });
      return;
    }
    const now = Date.now();
    p.lastSignalAt = now;
    if (p.status === "lost") p.status = "connecting";
    if (d.i !== p.remoteInstance) {
      if (p.remoteInstance) this.reset(p); // the other page reloaded: a new peer
      p.remoteInstance = d.i;
    }
    try {
      switch (type) {
        case "hello":
          if (!p.initiator) return;
          if (!p.pc) this.connection(p);
          else if (p.status !== "connected") this.restart(p, "hello");
          return;
        case "offer": {
          if (d.sdp?.type !== "offer") return;
          const pc = this.connection(p);
          const collision = p.makingOffer || pc.signalingState !== "stable";
          p.ignoreOffer = p.initiator && collision;
          if (p.ignoreOffer) return;
          p.gotOffer = true;
          await pc.setRemoteDescription(d.sdp);
          await this.drain(p);
          await pc.setLocalDescription();
          if (pc.localDescription?.type === "answer")
            await this.send(p, "answer", { sdp: pc.localDescription.toJSON() });
          return;
        }
        case "answer": {
          const pc = p.pc;
          if (pc?.signalingState !== "have-local-offer" || d.sdp?.type !== "answer") return;
          await pc.setRemoteDescription(d.sdp!);
          await this.drain(p);
          return;
        }
        case "candidates":
          for (const c of d.c ?? []) {
            if (p.pc?.remoteDescription)
              await p.pc.addIceCandidate(c).catch((e) => {
                if (!p.ignoreOffer) this.log(`candidate: ${(e as Error).message}`);
              });
            else p.pending.push(c);
          }
          return;
        case "state":
          p.muted = !!d.m;
          p.cam = !!d.v;
          this.o.onChange();
          return;
        case "bye":
          this.drop(p, "left");
          this.o.onChange();
          return;
      }
    } catch (e) {
      this.log(`${type} from ${from.slice(0, 8)}: ${(e as Error).message}`);
    }
  }

  private async drain(p: Peer) {
    for (const c of p.pending.splice(0)) await p.pc?.addIceCandidate(c).catch(() => {});
  }

  private drop(p: Peer, why: "left" | "lost") {
    if (why === "left") {
      p.pc?.close();
      p.source?.disconnect();
      p.audioEl.remove();
      this.peers.delete(p.nodeId);
      return;
    }
    this.log(`lost ${p.nodeId.slice(0, 8)}: no link and no signal for ${CALL_PEER_TIMEOUT_S} s`);
    this.reset(p);
    p.status = "lost";
    p.level = 0;
  }

  private tick() {
    const now = Date.now();
    for (const p of this.peers.values()) {
      const connected = p.pc?.connectionState === "connected";
      if (connected) {
        p.lastGoodAt = now;
        // a renegotiation (ICE restart, camera) whose offer or answer was lost would wait forever
        // while the media flows: offer it again (the other side answers a repeated offer as usual)
        const pc = p.pc!;
        if (
          pc.signalingState === "have-local-offer" &&
          pc.localDescription &&
          now - p.lastAttemptAt > CALL_RETRY_OFFER_MS
        ) {
          p.lastAttemptAt = now;
          this.log(`offer to ${p.nodeId.slice(0, 8)} again (no answer yet)`);
          void this.send(p, "offer", { sdp: pc.localDescription.toJSON() });
        }
        continue;
      }
      if (p.status === "lost") {
        if (now - p.lastAttemptAt > CALL_PROBE_LOST_MS) this.start(p);
        continue;
      }
      if (now - Math.max(p.lastGoodAt, p.lastSignalAt) > CALL_PEER_TIMEOUT_S * 1000) {
        this.drop(p, "lost");
        continue;
      }
      if (
        p.disconnectedAt &&
        now - p.disconnectedAt > CALL_DISCONNECTED_GRACE_MS &&
        now - p.lastAttemptAt > CALL_DISCONNECTED_GRACE_MS
      )
        this.restart(p, "disconnected");
      else if (
        p.initiator
          ? now - p.lastAttemptAt > CALL_RETRY_OFFER_MS
          : !p.gotOffer && now - p.lastAttemptAt > CALL_RETRY_HELLO_MS
      )
        this.restart(p, "no answer yet");
    }
    this.o.onChange();
  }

  protected broadcastState() {
    for (const p of this.peers.values())
      if (p.status === "connected") void this.send(p, "state", { m: this.muted, v: this.camera });
  }

  /** Bytes of audio received from and sent to each peer so far (getStats; for the panel and tests). */
  stats() {
    return peerStats(this.peers.values());
  }

  /** Hang up: tell the others (best effort), close every link, release the devices. */
  close() {
    if (this.closed) return;
    for (const p of this.peers.values()) void this.send(p, "bye", {});
    this.closed = true;
    for (const p of this.peers.values()) this.drop(p, "left");
    if (this.timer) clearInterval(this.timer);
    removeEventListener("online", this.onNetwork);
    (navigator as unknown as { connection?: EventTarget }).connection?.removeEventListener?.("change", this.onNetwork);
    this.closeMedia();
  }
}
