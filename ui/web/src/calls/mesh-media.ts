// This side's media in a call's mesh (mesh.ts): the microphone and camera, the level meters,
// and the controls (mute, camera, devices) that swap what every peer connection sends.
import { CALL_METER_MS } from "../../../../src/protocol/call-mesh-limits.ts";
import { levelOf, type Peer } from "./mesh-peer.ts";

export interface MeshOptions {
  iceServers: RTCIceServer[];
  inputDeviceId?: string;
  outputDeviceId?: string;
  /** a viewer: no microphone, nothing sent, no tracks added */
  receiveOnly?: boolean;
  onChange(): void;
  log?(line: string): void;
}

/** The local half of Mesh: devices and meters; Mesh adds the connections and their signalling. */
export abstract class MeshMedia {
  protected peers = new Map<string, Peer>();
  protected stream: MediaStream | null = null;
  protected audioTrack: MediaStreamTrack | null = null;
  protected videoTrack: MediaStreamTrack | null = null;
  protected ctx: AudioContext | null = null;
  private localAnalyser: AnalyserNode | null = null;
  private localSource: MediaStreamAudioSourceNode | null = null;
  protected sink = document.createElement("div");
  private meter: ReturnType<typeof setInterval> | null = null;
  muted = false;
  camera = false;
  localLevel = 0;
  inputDeviceId: string;
  outputDeviceId: string;

  constructor(protected o: MeshOptions) {
    this.inputDeviceId = o.inputDeviceId ?? "";
    this.outputDeviceId = o.outputDeviceId ?? "";
    this.sink.hidden = true;
  }

  /** Tell every connected peer whether we are muted and show video. */
  protected abstract broadcastState(): void;

  /** Open the microphone (first: a refusal stops here, before anyone is told we joined). */
  async open(): Promise<void> {
    this.stream = this.o.receiveOnly
      ? new MediaStream()
      : await navigator.mediaDevices.getUserMedia({
          audio: this.inputDeviceId ? { deviceId: { exact: this.inputDeviceId } } : true,
          video: false,
        });
    this.audioTrack = this.stream.getAudioTracks()[0] ?? null;
    document.body.append(this.sink);
    try {
      this.ctx = new AudioContext();
      void this.ctx.resume().catch(() => {});
      this.meterLocal();
    } catch {
      /* no Web Audio: no level meters */
    }
    this.meter = setInterval(() => this.measure(), CALL_METER_MS);
  }

  private meterLocal() {
    if (!this.ctx || !this.audioTrack) return;
    this.localSource?.disconnect();
    this.localSource = this.ctx.createMediaStreamSource(new MediaStream([this.audioTrack]));
    this.localAnalyser = this.ctx.createAnalyser();
    this.localAnalyser.fftSize = 512;
    this.localSource.connect(this.localAnalyser);
  }

  private measure() {
    const decay = (old: number, now: number) => Math.max(now, old * 0.7);
    this.localLevel = this.muted ? 0 : decay(this.localLevel, levelOf(this.localAnalyser));
    for (const p of this.peers.values())
      p.level = p.status === "connected" && !p.muted ? decay(p.level, levelOf(p.analyser)) : 0;
    this.o.onChange();
  }

  /** Mute: nothing is sent at all (the senders carry no track) and the meter shows silence. */
  async setMuted(m: boolean) {
    this.muted = m;
    if (this.audioTrack) this.audioTrack.enabled = !m;
    for (const p of this.peers.values()) await p.audioSender?.replaceTrack(m ? null : this.audioTrack).catch(() => {});
    this.broadcastState();
    this.o.onChange();
  }

  async setCamera(on: boolean, deviceId = "") {
    if (on) {
      const s = await navigator.mediaDevices.getUserMedia({
        video: deviceId ? { deviceId: { exact: deviceId } } : true,
      });
      this.videoTrack?.stop();
      this.videoTrack = s.getVideoTracks()[0] ?? null;
      if (this.videoTrack) this.stream?.addTrack(this.videoTrack);
      for (const p of this.peers.values()) {
        if (!p.pc) continue;
        if (p.videoSender) await p.videoSender.replaceTrack(this.videoTrack).catch(() => {});
        else if (this.videoTrack) p.videoSender = p.pc.addTrack(this.videoTrack, this.stream!); // renegotiates
      }
    } else {
      for (const p of this.peers.values()) await p.videoSender?.replaceTrack(null).catch(() => {});
      if (this.videoTrack) {
        this.stream?.removeTrack(this.videoTrack);
        this.videoTrack.stop();
      }
      this.videoTrack = null;
    }
    this.camera = on && !!this.videoTrack;
    this.broadcastState();
    this.o.onChange();
  }

  /** The local camera preview (null while off). */
  localVideo(): MediaStream | null {
    return this.videoTrack ? new MediaStream([this.videoTrack]) : null;
  }

  async setInputDevice(deviceId: string) {
    const s = await navigator.mediaDevices.getUserMedia({ audio: deviceId ? { deviceId: { exact: deviceId } } : true });
    const track = s.getAudioTracks()[0];
    if (!track) return;
    const old = this.audioTrack;
    this.audioTrack = track;
    track.enabled = !this.muted;
    if (old) {
      this.stream?.removeTrack(old);
      old.stop();
    }
    this.stream?.addTrack(track);
    if (!this.muted) for (const p of this.peers.values()) await p.audioSender?.replaceTrack(track).catch(() => {});
    this.inputDeviceId = deviceId;
    this.meterLocal();
  }

  async setOutputDevice(deviceId: string) {
    this.outputDeviceId = deviceId;
    for (const p of this.peers.values())
      await (p.audioEl as HTMLAudioElement & { setSinkId?(id: string): Promise<void> })
        .setSinkId?.(deviceId)
        .catch(() => {});
  }

  /** Release the devices and the meters (the connections are closed first). */
  protected closeMedia() {
    if (this.meter) clearInterval(this.meter);
    this.stream?.getTracks().forEach((t) => t.stop());
    this.videoTrack?.stop();
    void this.ctx?.close().catch(() => {});
    this.sink.remove();
  }
}
