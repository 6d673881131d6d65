// The one place that turns stored messages into relay envelopes and back (node and relay-only
// browser alike). Out: a signed message travels as a v2 envelope (docs/PROTOCOL.md §9) under
// the epoch key it names; a legacy circle's message also as a v1 envelope (PROTOCOL-V1.md §4.4)
// for original clients. In: v2 envelopes are opened under the epoch key they name and go through
// acceptSigned; v1 envelopes only in legacy circles (in a v2-only circle the static secret is not
// trusted: a removed member still knows it), and are stored with a v1 MAC computed here (an
// envelope that opens under the circle key proves membership as a MAC does), so this peer can
// bridge them to v1 peers. Envelopes of a newer epoch are held (ahead.ts) and opened once the
// circle's epoch rises.
//
// The v1 half (relay-envelopes-v1.ts) is handed in: the browser loads it only when it holds a
// legacy circle.
import { fromBase64 } from "../protocol/bytes.ts";
import type { Rng } from "../protocol/crypto.ts";
import type { SigCheck } from "../protocol/primitives.ts";
import { isEnvelopeV2, openEnvelopeV2, sealEnvelopeV2 } from "../protocol/v2/envelope.ts";
import { decodeMessage, KIND_CONTROL, type SignedMessage, signatureCheck } from "../protocol/v2/message.ts";
import { accept, type Verdict } from "../protocol/verdict.ts";
import { AheadEnvelopes } from "./ahead.ts";
import type { CircleRow, StoredMessage, SyncStoreV2 } from "./store.ts";
import { acceptSigned, epochKey, holdsSigned, isLegacy, NOT_YET, type V2Ctx } from "./v2-apply.ts";

/** v1 envelopes of a legacy circle (relay-envelopes-v1.ts). */
export interface V1Codec {
  seal(secret: Uint8Array, m: StoredMessage, rng: Rng): unknown;
  /** open, give it its v1 MAC, store it; null when it is dropped (`log` says why) or held already */
  open(d: OpenDeps, secret: Uint8Array, circleId: string, raw: unknown): StoredMessage | null;
}

/** How a batch from the relay is stored. */
export interface OpenDeps {
  ctx: V2Ctx;
  /** recorded as the origin of what is stored (a node: `relay:<base>`, so it never pushes it back there) */
  origin: string;
  /** null: v1 envelopes are not opened (no legacy circle here) */
  v1: V1Codec | null;
  /** what was dropped or refused, and why */
  log?(line: string): void;
}

/** An envelope's msg_id for a log line (a hostile one may be an object whose String() throws). */
export function shownId(raw: unknown): string {
  const id = (raw as { msg_id?: unknown } | null)?.msg_id;
  return typeof id === "string" ? id.slice(0, 12) : "(bad msg_id)";
}

/** One circle's envelopes: its keys, and what it holds of a newer epoch. */
export class RelayEnvelopes {
  readonly ahead = new AheadEnvelopes();

  constructor(
    readonly circleId: string,
    readonly secret: Uint8Array,
  ) {}

  /** What goes to the relay for one stored message (none when this peer lacks its epoch key). */
  seal(store: SyncStoreV2, c: CircleRow, m: StoredMessage, rng: Rng, v1: V1Codec | null): unknown[] {
    const out: unknown[] = [];
    const wire = store.getV2Wire(m.msgId);
    if (wire) {
      const signed = decodeMessage(fromBase64(wire));
      const ek = epochKey(store, c, signed.keyEpoch);
      if (ek)
        out.push(
          sealEnvelopeV2({ secret: this.secret, epoch: signed.keyEpoch, epochKey: ek, message: signed }, rng(12)),
        );
    }
    if (v1 && isLegacy(c) && m.mac) out.push(v1.seal(this.secret, m, rng));
    return out;
  }

  /**
   * Open, verify and store envelopes from the relay; then those held for an epoch that has
   * come meanwhile (a REKEY in this batch, or by another path). Returns what was newly stored.
   */
  open(d: OpenDeps, raws: readonly unknown[]): StoredMessage[] {
    const { store } = d.ctx;
    const out: StoredMessage[] = [];
    store.transaction(() => {
      for (const raw of raws) {
        // read for each one: a REKEY earlier in this batch raises the epoch
        const circle = store.getCircle(this.circleId);
        if (!circle) return;
        const row = this.openOne(d, circle, raw);
        if (row) out.push(row);
      }
    });
    const again = this.ahead.takeIfRisen(store.getCircle(this.circleId)?.keyEpoch ?? 0);
    if (again.length) out.push(...this.open(d, again));
    return out;
  }

  private openOne(d: OpenDeps, circle: CircleRow, raw: unknown): StoredMessage | null {
    const { store } = d.ctx;
    if (isEnvelopeV2(raw)) {
      const v = this.openV2(store, circle, raw);
      if (!v.ok) {
        // a newer epoch than ours: kept until its REKEY comes
        if (!this.ahead.hold(raw, circle.keyEpoch)) d.log?.(`relay: dropped ${shownId(raw)}: ${v.reason}`);
        return null;
      }
      if (holdsSigned(store, v.value.msgId)) return null; // a copy we hold (checked before the signature)
      const r = acceptSigned(d.ctx, circle, v.value.wire, d.origin);
      if (r.ok) return r.value;
      if (r.kind === "reject" && r.reason === NOT_YET) this.notYet++;
      if (r.kind === "reject") d.log?.(`relay: refused ${v.value.msgId.slice(0, 12)}: ${r.reason}`);
      return null;
    }
    return d.v1 && isLegacy(circle) ? d.v1.open(d, this.secret, this.circleId, raw) : null;
  }

  /** messages of a newest-first fill's pages not taken yet (v2-apply.ts NOT_YET: their page is read again) */
  notYet = 0;
  /** a batch checked by signatureChecks held a reply, reaction, edit or delete (the browser then loads their rules) */
  refs = false;
  /** … or a control event (the browser then loads their effects, ui/web/src/relay/control-soon.ts) */
  control = false;

  /**
   * The author signatures of a batch's new v2 messages, for a verifier that checks many at once
   * (the browser's WebCrypto, ~0.1 ms each in parallel) before the synchronous `open` asks for them.
   */
  signatureChecks(store: SyncStoreV2, raws: readonly unknown[]): SigCheck[] {
    const circle = store.getCircle(this.circleId);
    const checks: SigCheck[] = [];
    if (!circle) return checks;
    for (const raw of raws) {
      if (!isEnvelopeV2(raw)) continue;
      const v = this.openV2(store, circle, raw);
      if (!v.ok) continue;
      this.opened.set(raw as object, v.value);
      if (!holdsSigned(store, v.value.msgId)) {
        checks.push(signatureCheck(v.value));
        this.control ||= v.value.kind === KIND_CONTROL; // (one held already is not applied again)
      }
      this.refs ||= v.value.kind >= 3 && v.value.kind <= 6;
    }
    return checks;
  }

  /** envelopes signatureChecks opened, for open() right after (each is opened once, not twice) */
  private opened = new WeakMap<object, SignedMessage>();

  private openV2(store: SyncStoreV2, circle: CircleRow, raw: unknown): Verdict<SignedMessage> {
    const known = this.opened.get(raw as object);
    if (known && known.keyEpoch <= circle.keyEpoch) return accept(known);
    return openEnvelopeV2(raw, {
      secret: this.secret,
      circleId: this.circleId,
      keyOf: (e) => epochKey(store, circle, e),
    });
  }
}
