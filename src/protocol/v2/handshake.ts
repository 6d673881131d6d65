// The v2 handshake (docs/PROTOCOL.md §4): a SIGMA-style exchange that rides on v1's HELLO.
//
//   I -> R  HELLO line (v1 JSON) with "v2": {"v":[1],"n":nonce_I,"e":eph_I,"ep":epoch_I[,"join":invite_id]}
//   R -> I  {"t":"V2_HS","n":nonce_R,"e":eph_R,"ep":epoch,"box":AEAD(k_R, ed_R | sig_R | mac_R)}
//   I -> R  {"t":"V2_AUTH","box":AEAD(k_I, ed_I | sig_I | mac_I)}
//
// th1 hashes the exact HELLO line, so a stripped or edited offer changes every later key;
// k_R/k_I and the session keys come from X25519(eph_I, eph_R) salted with the circle's
// authentication key of the agreed epoch, so a side without the circle key can neither open
// nor produce a box; each side signs the transcript (both nonces, both ephemerals, both
// identity keys) and MACs it with the circle key. Session keys are fresh per connection
// (forward secret) and separate per direction.
import { fromBase64, fromHex, isHex, toBase64, toHex, utf8 } from "../bytes.ts";
import type { Rng } from "../crypto.ts";
import { V2_VERSION } from "../limits.ts";
import { ProtocolError } from "../verdict.ts";
import { Reader, TAG, Writer, tagged } from "./codec.ts";
import {
  aeadOpen,
  aeadSeal,
  bytesEqual,
  dh,
  h256,
  kdf,
  mac32,
  nodeIdOf,
  sign,
  verifySig,
  x25519Public,
} from "./keys.ts";

export interface Offer {
  versions: number[];
  nonce: Uint8Array;
  eph: Uint8Array;
  epoch: number;
  join?: Uint8Array;
  /** reconciliation formats the offerer answers in besides RECON (§24: 2 = RECON2); absent = none */
  recon?: number[];
}
export interface OfferSecret {
  offer: Offer;
  ephSecret: Uint8Array;
}

/** `extra`: feature versions offered next to V2_VERSION (V2_FILL_VERSION: a streamed fill, §23) */
export function makeOffer(rng: Rng, epoch: number, join?: Uint8Array, extra: number[] = []): OfferSecret {
  const ephSecret = rng(32);
  const versions = [V2_VERSION, ...extra];
  return { offer: { versions, nonce: rng(32), eph: x25519Public(ephSecret), epoch, join }, ephSecret };
}

/** The JSON value of HELLO's "v2" field. */
export function offerJson(o: Offer): Record<string, unknown> {
  const v: Record<string, unknown> = { v: o.versions, n: toHex(o.nonce), e: toHex(o.eph), ep: o.epoch };
  if (o.join) v.join = toHex(o.join);
  if (o.recon) v.rc = o.recon;
  return v;
}

const hexN = (v: unknown, bytes: number, what: string): Uint8Array => {
  if (typeof v !== "string" || v.length !== bytes * 2 || !isHex(v))
    throw new ProtocolError(`v2 ${what} must be ${bytes * 2} hex`);
  return fromHex(v);
};
const epochOf = (v: unknown): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new ProtocolError("v2 epoch must be a u32");
  return v;
};

function smallInts(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 8 || !v.every((x) => Number.isInteger(x) && x > 0 && x < 256))
    throw new ProtocolError(`v2 offer ${what} must be a list of small integers`);
  return v as number[];
}

/** HELLO's v2 field: undefined when absent; a malformed one is an error (an original never sends it). */
export function parseOffer(v: unknown): Offer | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ProtocolError("v2 offer must be an object");
  const o = v as Record<string, unknown>;
  return {
    versions: smallInts(o.v, "versions"),
    nonce: hexN(o.n, 32, "nonce"),
    eph: hexN(o.e, 32, "ephemeral key"),
    epoch: epochOf(o.ep),
    join: o.join === undefined ? undefined : hexN(o.join, 16, "invite id"),
    recon: o.rc === undefined ? undefined : smallInts(o.rc, "reconciliation formats"),
  };
}

// ---- transcript ----

const th1Of = (helloLine: string) => h256(tagged(TAG.hs).bytes(utf8(helloLine)).finish());
const th2Of = (th1: Uint8Array, nR: Uint8Array, eR: Uint8Array, epoch: number) =>
  h256(tagged("felund2/hs2").fixed(th1, 32).fixed(nR, 32).fixed(eR, 32).u32(epoch).finish());
const withKey = (th: Uint8Array, label: string, ed: Uint8Array) =>
  h256(tagged(label).fixed(th, 32).fixed(ed, 32).finish());
const signed = (label: string, th: Uint8Array) => tagged(label).fixed(th, 32).finish();

function hsKeys(shared: Uint8Array, auth: Uint8Array, th2: Uint8Array) {
  const k = kdf(shared, auth, tagged("felund2/hs-keys").fixed(th2, 32).finish(), 64);
  return { kR: k.slice(0, 32), kI: k.slice(32) };
}
export interface SessionKeys {
  send: Uint8Array;
  recv: Uint8Array;
}
function sessionKeys(
  shared: Uint8Array,
  auth: Uint8Array,
  th3: Uint8Array,
  role: "initiator" | "responder",
): SessionKeys {
  const k = kdf(shared, auth, tagged("felund2/session").fixed(th3, 32).finish(), 64);
  const i2r = k.slice(0, 32);
  const r2i = k.slice(32);
  return role === "initiator" ? { send: i2r, recv: r2i } : { send: r2i, recv: i2r };
}

const ZERO_NONCE = new Uint8Array(12);
const idBox = (ed: Uint8Array, sig: Uint8Array, mac: Uint8Array) =>
  new Writer().fixed(ed, 32).fixed(sig, 64).fixed(mac, 32).finish();
function openIdBox(
  k: Uint8Array,
  box: Uint8Array,
  aad: Uint8Array,
): { ed: Uint8Array; sig: Uint8Array; mac: Uint8Array } | null {
  const pt = aeadOpen(k, ZERO_NONCE, box, aad);
  if (pt?.length !== 128) return null;
  const r = new Reader(pt, "handshake box");
  return { ed: r.fixed(32), sig: r.fixed(64), mac: r.fixed(32) };
}

export interface Identity {
  edPublic: Uint8Array;
  edSecret: Uint8Array;
}

/** Typed outcome of each handshake step: a failure closes the connection with this reason. */
export type HsResult<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string) => ({ ok: false as const, reason });

// ---- responder ----

export interface ResponderState {
  th2R: Uint8Array;
  auth: Uint8Array;
  shared: Uint8Array;
  kI: Uint8Array;
  epoch: number;
}

/** R's answer to a HELLO line that carried `offer`, under authentication key `auth` of `epoch`. */
export function respond(
  helloLine: string,
  offer: Offer,
  a: { auth: Uint8Array; epoch: number; self: Identity; rng: Rng },
): HsResult<{ line: string; state: ResponderState }> {
  if (!offer.versions.includes(V2_VERSION)) return fail("no common v2 version");
  const ephR = a.rng(32);
  const nR = a.rng(32);
  const eR = x25519Public(ephR);
  const shared = dh(ephR, offer.eph);
  if (!shared) return fail("invalid ephemeral key");
  const th2 = th2Of(th1Of(helloLine), nR, eR, a.epoch);
  const { kR, kI } = hsKeys(shared, a.auth, th2);
  const th2R = withKey(th2, "felund2/hs-r", a.self.edPublic);
  const sig = sign(a.self.edSecret, signed(TAG.hsSigR, th2R));
  const mac = mac32(a.auth, signed(TAG.hsMacR, th2R));
  const box = aeadSeal(kR, ZERO_NONCE, idBox(a.self.edPublic, sig, mac), th2);
  const line = JSON.stringify({ t: "V2_HS", n: toHex(nR), e: toHex(eR), ep: a.epoch, box: toBase64(box) });
  return { ok: true, value: { line, state: { th2R, auth: a.auth, shared, kI, epoch: a.epoch } } };
}

/** R checks I's V2_AUTH. */
export function finishResponder(
  st: ResponderState,
  f: Record<string, unknown>,
): HsResult<{ peerEd: Uint8Array; peerNodeId: string; keys: SessionKeys }> {
  if (f.t !== "V2_AUTH" || typeof f.box !== "string") return fail("expected V2_AUTH");
  let boxBytes: Uint8Array;
  try {
    boxBytes = fromBase64(f.box);
  } catch {
    return fail("V2_AUTH box is not base64");
  }
  const id = openIdBox(st.kI, boxBytes, st.th2R);
  if (!id) return fail("auth failed: initiator does not hold the circle key");
  const th3 = withKey(st.th2R, "felund2/hs3", id.ed);
  if (!bytesEqual(mac32(st.auth, signed(TAG.hsMacI, th3)), id.mac)) return fail("auth failed: initiator MAC");
  if (!verifySig(id.sig, signed(TAG.hsSigI, th3), id.ed)) return fail("auth failed: initiator signature");
  return {
    ok: true,
    value: { peerEd: id.ed, peerNodeId: nodeIdOf(id.ed), keys: sessionKeys(st.shared, st.auth, th3, "responder") },
  };
}

// ---- initiator ----

export interface HsFrame {
  nonce: Uint8Array;
  eph: Uint8Array;
  epoch: number;
  box: Uint8Array;
}

export function parseHsFrame(f: Record<string, unknown>): HsFrame {
  if (f.t !== "V2_HS") throw new ProtocolError("expected V2_HS");
  if (typeof f.box !== "string" || f.box.length > 1024) throw new ProtocolError("V2_HS box must be base64");
  let box: Uint8Array;
  try {
    box = fromBase64(f.box);
  } catch {
    throw new ProtocolError("V2_HS box must be base64");
  }
  return { nonce: hexN(f.n, 32, "nonce"), eph: hexN(f.e, 32, "ephemeral key"), epoch: epochOf(f.ep), box };
}

/**
 * I checks R's V2_HS (authKeyOf gives the key of the epoch R chose, null if I does not hold it)
 * and answers with V2_AUTH.
 */
export function finishInitiator(
  helloLine: string,
  mine: OfferSecret,
  hs: HsFrame,
  a: { authKeyOf: (epoch: number) => Uint8Array | null; self: Identity },
): HsResult<{ line: string; peerEd: Uint8Array; peerNodeId: string; epoch: number; keys: SessionKeys }> {
  if (hs.epoch > mine.offer.epoch) return fail("responder chose an epoch above ours");
  const auth = a.authKeyOf(hs.epoch);
  if (!auth) return fail(`no key for epoch ${hs.epoch}`);
  const shared = dh(mine.ephSecret, hs.eph);
  if (!shared) return fail("invalid ephemeral key");
  const th2 = th2Of(th1Of(helloLine), hs.nonce, hs.eph, hs.epoch);
  const { kR, kI } = hsKeys(shared, auth, th2);
  const id = openIdBox(kR, hs.box, th2);
  if (!id) return fail("auth failed: responder does not hold the circle key");
  const th2R = withKey(th2, "felund2/hs-r", id.ed);
  if (!bytesEqual(mac32(auth, signed(TAG.hsMacR, th2R)), id.mac)) return fail("auth failed: responder MAC");
  if (!verifySig(id.sig, signed(TAG.hsSigR, th2R), id.ed)) return fail("auth failed: responder signature");
  const th3 = withKey(th2R, "felund2/hs3", a.self.edPublic);
  const sig = sign(a.self.edSecret, signed(TAG.hsSigI, th3));
  const mac = mac32(auth, signed(TAG.hsMacI, th3));
  const box = aeadSeal(kI, ZERO_NONCE, idBox(a.self.edPublic, sig, mac), th2R);
  return {
    ok: true,
    value: {
      line: JSON.stringify({ t: "V2_AUTH", box: toBase64(box) }),
      peerEd: id.ed,
      peerNodeId: nodeIdOf(id.ed),
      epoch: hs.epoch,
      keys: sessionKeys(shared, auth, th3, "initiator"),
    },
  };
}
