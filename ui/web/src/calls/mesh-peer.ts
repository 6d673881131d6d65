// One other participant of a call's mesh (mesh.ts): its RTCPeerConnection and negotiation
// state, its audio element and level meter, what it last said about itself; and the signal
// payload the mesh exchanges with it.
import type { CallSignalType } from "../../../shared/types.ts";

export interface MeshTransport {
  self: string;
  send(to: string, type: CallSignalType, data: string): Promise<void>;
}

export type PeerStatus = "connecting" | "connected" | "lost";
export interface PeerInfo {
  nodeId: string;
  status: PeerStatus;
  level: number;
  muted: boolean;
  cam: boolean;
  video: MediaStream | null;
}

export interface SignalData {
  /** sender's instance */
  i: string;
  /** the recipient's instance it is meant for ("" before the sender heard from it) */
  ti?: string;
  sdp?: RTCSessionDescriptionInit;
  c?: RTCIceCandidateInit[];
  /** state: muted, camera on */
  m?: boolean;
  v?: boolean;
}

export const randomId = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");

export class Peer {
  pc: RTCPeerConnection | null = null;
  remoteInstance = "";
  status: PeerStatus = "connecting";
  makingOffer = false;
  ignoreOffer = false;
  gotOffer = false;
  pending: RTCIceCandidateInit[] = [];
  outCandidates: RTCIceCandidateInit[] = [];
  flushTimer: ReturnType<typeof setTimeout> | null = null;
  lastSignalAt: number;
  lastAttemptAt = 0;
  lastGoodAt: number;
  disconnectedAt = 0;
  audioSender: RTCRtpSender | null = null;
  videoSender: RTCRtpSender | null = null;
  audioEl: HTMLAudioElement;
  analyser: AnalyserNode | null = null;
  source: MediaStreamAudioSourceNode | null = null;
  video: MediaStream | null = null;
  muted = false;
  cam = false;
  level = 0;
  /** ICE restarts asked for (shown in stats) */
  restarts = 0;
  constructor(
    readonly nodeId: string,
    readonly initiator: boolean,
    now: number,
  ) {
    this.lastSignalAt = now;
    this.lastGoodAt = now;
    this.audioEl = document.createElement("audio");
    this.audioEl.autoplay = true;
  }
}

/** Audio level 0..1 of what an analyser hears now (RMS, scaled so speech fills the meter). */
export function levelOf(a: AnalyserNode | null): number {
  if (!a) return 0;
  const buf = new Float32Array(a.fftSize);
  a.getFloatTimeDomainData(buf);
  let sum = 0;
  for (const v of buf) sum += v * v;
  return Math.min(1, Math.sqrt(sum / buf.length) * 4);
}

/** Bytes of audio received from and sent to each peer so far (getStats; for the panel and tests). */
export async function peerStats(peers: Iterable<Peer>): Promise<
  {
    nodeId: string;
    state: string;
    inBytes: number;
    outBytes: number;
    senders: number;
    restarts: number;
    ufrag: string;
  }[]
> {
  const out = [];
  for (const p of peers) {
    let inBytes = 0;
    let outBytes = 0;
    if (p.pc) {
      const r = await p.pc.getStats();
      r.forEach((s: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number }) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") inBytes += s.bytesReceived ?? 0;
        if (s.type === "outbound-rtp" && s.kind === "audio") outBytes += s.bytesSent ?? 0;
      });
    }
    const ufrag = /a=ice-ufrag:(\S+)/.exec(p.pc?.localDescription?.sdp ?? "")?.[1] ?? "";
    out.push({
      nodeId: p.nodeId,
      state: p.pc?.connectionState ?? p.status,
      inBytes,
      outBytes,
      /** senders that carry a track (a viewer's links have none) */
      senders: p.pc?.getSenders().filter((s) => s.track).length ?? 0,
      restarts: p.restarts,
      ufrag,
    });
  }
  return out;
}
