// Call signalling, sealed and signed end to end (docs/PROTOCOL.md §15). A WebRTC offer,
// answer or candidate batch carries the sender's DTLS fingerprint and addresses; whoever can
// rewrite it can sit in the middle of the call (PROTOCOL-V1.md W11). So every signal is
//
//   inner = str "felund2/call-signal" | u8 1 | str circle_id | str session_id | fixed32 sender Ed25519 key
//           | str recipient node_id | u8 type | u64 ts_ms | fixed16 signal id | str data
//   blob  = u8 1 | u32 epoch | fixed12 nonce | AES-256-GCM(K, nonce, pad(inner | Ed25519(sender, inner)), aad)
//   K     = HKDF(EK_epoch, u32 epoch, str "felund2/call-signal-key" | str circle_id | str session_id)
//   aad   = str "felund2/call-signal" | str circle_id | str session_id | u32 epoch
//
// and travels as base64(blob) — the relay's /v1/signal payload, or the body of a v2 session
// SIGNAL frame. A relay (or a forwarding node) sees who signals whom and when, and a padded
// size; it cannot read the SDP, and cannot forge or alter a signal: the circle key keeps
// outsiders out, and the signature (node_id = H(key)[0:12]) names the one member who wrote it,
// so no member can speak for another either. Replays are refused by the receiver (signal id
// remembered, timestamp window).
import { toBase64 } from "../bytes.ts";
import { CALL_SIGNAL_DATA_MAX, CALL_SIGNAL_MAX_AGE_S, MAX_FUTURE_SKEW_S, V2_CALL_ID_MAX } from "../limits.ts";
import { accept, reject, type Verdict } from "../verdict.ts";
import { Reader, V2DecodeError, Writer, tagged } from "./codec.ts";
import { padTo, unpad } from "./envelope.ts";
import { kdf, nodeIdOf, sign, verifySig } from "./keys.ts";
import { openEpochBlob, sealEpochBlob } from "./epoch-blob.ts";

export const SIGNAL_VERSION = 1;
export const SIGNAL_TAG = "felund2/call-signal";
export const SIGNAL_TYPES = { offer: 1, answer: 2, candidates: 3, hello: 4, bye: 5, state: 6 } as const;
export type CallSignalType = keyof typeof SIGNAL_TYPES;

export interface CallSignal {
  circleId: string;
  sessionId: string;
  /** sender's Ed25519 public key */
  from: Uint8Array;
  /** recipient node id */
  to: string;
  type: CallSignalType;
  tsMs: number;
  /** 16 random bytes: the receiver remembers them to refuse replays */
  id: Uint8Array;
  /** what the front end sends (JSON of a description or candidates); opaque here */
  data: string;
}

export interface OpenedSignal extends CallSignal {
  fromNodeId: string;
  epoch: number;
}

const u32be = (n: number) => new Writer().u32(n).finish();

/** The key of one call's signals in one epoch. */
export const signalKey = (epochKey: Uint8Array, epoch: number, circleId: string, sessionId: string): Uint8Array =>
  kdf(epochKey, u32be(epoch), tagged("felund2/call-signal-key").str(circleId).str(sessionId).finish());

const aadOf = (circleId: string, sessionId: string, epoch: number) =>
  tagged(SIGNAL_TAG).str(circleId).str(sessionId).u32(epoch).finish();

export function encodeInner(s: CallSignal): Uint8Array {
  return tagged(SIGNAL_TAG)
    .u8(SIGNAL_VERSION)
    .str(s.circleId)
    .str(s.sessionId)
    .fixed(s.from, 32)
    .str(s.to)
    .u8(SIGNAL_TYPES[s.type])
    .u64(s.tsMs)
    .fixed(s.id, 16)
    .str(s.data)
    .finish();
}

const typeName = (c: number): CallSignalType => {
  const t = (Object.keys(SIGNAL_TYPES) as CallSignalType[]).find((k) => SIGNAL_TYPES[k] === c);
  if (!t) throw new V2DecodeError("call signal: unknown type");
  return t;
};

export function decodeInner(b: Uint8Array): { signal: CallSignal; signed: Uint8Array; sig: Uint8Array } {
  const r = new Reader(b, "call signal");
  if (r.str(64) !== SIGNAL_TAG) throw new V2DecodeError("call signal: wrong domain tag");
  if (r.u8() !== SIGNAL_VERSION) throw new V2DecodeError("call signal: unknown version");
  const circleId = r.str(64);
  const sessionId = r.str(V2_CALL_ID_MAX);
  const from = r.fixed(32);
  const to = r.str(128);
  const type = typeName(r.u8());
  const tsMs = r.u64();
  const id = r.fixed(16);
  const data = r.str(CALL_SIGNAL_DATA_MAX);
  const signed = b.slice(0, r.offset);
  const sig = r.fixed(64);
  r.end();
  return { signal: { circleId, sessionId, from, to, type, tsMs, id, data }, signed, sig };
}

/** Seal and sign one signal: the payload string for the relay or a SIGNAL frame. */
export function sealSignal(
  s: CallSignal,
  a: { edSecret: Uint8Array; epoch: number; epochKey: Uint8Array; nonce: Uint8Array },
): string {
  if (new TextEncoder().encode(s.data).length > CALL_SIGNAL_DATA_MAX)
    throw new RangeError("call signal data too large");
  const inner = encodeInner(s);
  const signedWire = new Writer().raw(inner).fixed(sign(a.edSecret, inner), 64).finish();
  return toBase64(
    sealEpochBlob(
      SIGNAL_VERSION,
      a.epoch,
      signalKey(a.epochKey, a.epoch, s.circleId, s.sessionId),
      a.nonce,
      padTo(signedWire),
      aadOf(s.circleId, s.sessionId, a.epoch),
    ),
  );
}

export interface OpenOptions {
  circleId: string;
  sessionId: string;
  /** this node: signals for anyone else are refused */
  self: string;
  /** the circle key of an epoch, or null when this node holds none */
  keyOf: (epoch: number) => Uint8Array | null;
  nowMs: number;
}

/**
 * Open, verify and check one signal. Reasons are stable strings (test vectors). Not checked
 * here, because it needs state: replays (the caller remembers ids) and whether the sender is a
 * member in good standing and in the call.
 */
export function openSignal(payload: string, o: OpenOptions): Verdict<OpenedSignal> {
  if (typeof payload !== "string" || payload.length > (CALL_SIGNAL_DATA_MAX * 4) / 3 + 4096)
    return reject("signal too large");
  const opened = openEpochBlob(payload, {
    what: "signal",
    version: SIGNAL_VERSION,
    keyFor: (epoch) => {
      const ek = o.keyOf(epoch);
      return ek && signalKey(ek, epoch, o.circleId, o.sessionId);
    },
    aad: (epoch) => aadOf(o.circleId, o.sessionId, epoch),
    failure: "signal does not decrypt (tampered, another circle, call or epoch)",
  });
  if (!opened.ok) return opened;
  const { epoch, pt } = opened.value;
  let d: ReturnType<typeof decodeInner>;
  try {
    d = decodeInner(unpad(pt));
  } catch (e) {
    return reject((e as Error).message);
  }
  const s = d.signal;
  if (s.circleId !== o.circleId || s.sessionId !== o.sessionId) return reject("signal names another circle or call");
  if (!verifySig(d.sig, d.signed, s.from)) return reject("signal signature does not verify");
  if (s.to !== o.self) return reject("signal is for another node");
  if (s.tsMs < o.nowMs - CALL_SIGNAL_MAX_AGE_S * 1000) return reject("signal is too old");
  if (s.tsMs > o.nowMs + MAX_FUTURE_SKEW_S * 1000) return reject("signal is dated in the future");
  return accept({ ...s, fromNodeId: nodeIdOf(s.from), epoch });
}

/** The relay's session_id for the signals between two participants (as the original web client, PROTOCOL-V1.md §7.6). */
export const relaySessionLabel = (sessionId: string, a: string, b: string): string =>
  `media:${sessionId}:${[a, b].sort().join(":")}`;
/** The call session id inside a relay label, or null. */
export function callIdOfLabel(label: string): string | null {
  const m = /^media:([^:]{1,64}):[^:]+:[^:]+$/.exec(label);
  return m ? m[1]! : null;
}
/** The relay's signal type for ours (it knows only offer/answer/candidate kinds; the rest ride as candidates). */
export const relaySignalType = (t: CallSignalType): "media-offer" | "media-answer" | "media-candidate" =>
  t === "offer" ? "media-offer" : t === "answer" ? "media-answer" : "media-candidate";

/**
 * Replay guard: remembers signal ids for the age window, bounded. `fresh(id)` is true the first
 * time an id is seen.
 */
export class SeenSignals {
  private seen = new Map<string, number>();
  constructor(private max = 4096) {}
  fresh(id: Uint8Array, nowMs: number): boolean {
    const k = toBase64(id);
    if (this.seen.has(k)) return false;
    if (this.seen.size >= this.max) {
      const horizon = nowMs - 2 * CALL_SIGNAL_MAX_AGE_S * 1000;
      for (const [key, t] of this.seen) if (t < horizon || this.seen.size >= this.max) this.seen.delete(key);
    }
    this.seen.set(k, nowMs);
    return true;
  }
}
