// The messages side of one established v2 session (docs/PROTOCOL.md §4.4-4.6): the circle's
// reconciliation items, what the peer is known to have, the backlog reconciliation found it
// lacks, and MSGS frames both ways. V2Exchange owns one per session and seals what it returns.
import { fromBase64, fromHex } from "../protocol/bytes.ts";
import { V2_GIVE_SLICE, V2_GIVE_STEP_BYTES, V2_MSGS_FRAME_BUDGET, V2_WANT_MAX } from "../protocol/limits.ts";
import { CONTROL_CHANNEL, toWireV1 } from "../protocol/message.ts";
import { FORM_V1, FORM_V2, type Frame, type MsgItem } from "../protocol/v2/frames.ts";
import type { SketchPart } from "../protocol/v2/sketch.ts";
import { V2_FILL_RANGE_MIN } from "../protocol/v2/fill.ts";
import { decodeMessage } from "../protocol/v2/message.ts";
import { idHex, INF, itemOf, ItemSet, processRanges, RECON1, type Range } from "../protocol/v2/recon.ts";
import { RECON2 } from "../protocol/v2/recon2.ts";
import { SketchIn, sketchFirst, sketchMore } from "./v2-sketch.ts";
import { checkWireMessage, storeVerified } from "./merge.ts";
import type { CircleRow, StoredMessage } from "./store.ts";
import { acceptSigned, isLegacy, type V2Ctx } from "./v2-apply.ts";
import { FillServer } from "./v2-fill.ts";
import type { V2Deps } from "./v2-types.ts";

export class V2Messages {
  /**
   * this side's reconciliation items when the store keeps none for this session (an older epoch,
   * the browser's store): built on demand, dropped whenever the circle's messages change
   */
  private items: ItemSet | null = null;
  private peerHas = new Set<string>();
  /** ids reconciliation found the peer lacks, not sent yet (more()) */
  private giveBacklog: string[] = [];
  /** what the peer lacks nearly all of, streamed from the store (§23); null: the store cannot page */
  private filler: FillServer | null = null;

  constructor(
    private deps: V2Deps,
    private circleId: string,
    /** the session's key epoch: nothing of a later epoch is served under it */
    private epoch: number,
    private frame: (f: Frame) => string,
    /** the peer's node id: its join time places the history policy's floor (§24.2) */
    private peerNodeId = "",
    /** the peer offered the streamed fill (FILL counts, MSGS_Z frames) */
    peerTakesFill = false,
  ) {
    const store = deps.store;
    if (store.fillPage) {
      const legacy = isLegacy(store.getCircle(circleId)!);
      const zip = peerTakesFill ? (deps.zip ?? null) : null;
      const page = store.fillPage.bind(store);
      this.filler = new FillServer(page, circleId, { maxEpoch: epoch, legacy }, frame, zip, (ids) =>
        this.msgFrames(ids, false),
      );
    }
  }

  /**
   * The floor for this peer (§24.2): chat messages dated before it are neither reconciled nor
   * served (control events always are): the history policy's (from the peer's join) or this
   * node's retention, the later. 0: none (policy "all" or a legacy circle, no retention).
   */
  floor(): number {
    const d = this.deps;
    const circle = d.store.getCircle(this.circleId);
    // what this node's retention prunes is not reconciled either: a heal would fetch it back
    const keep = d.store.retentionDays?.() ?? 0;
    const kept = keep > 0 ? d.now() - keep * 86_400 : 0;
    const p = circle && !isLegacy(circle) ? d.store.circleHistory?.(this.circleId) : null;
    if (!p || p.days === null) return kept;
    // a peer that has authored nothing here yet is joining now
    const joined = d.store.firstAuthoredTs?.(this.circleId, this.peerNodeId) ?? d.now();
    return Math.max(1, kept, joined - p.days * 86_400);
  }

  /** At the session's start: the control events before the floor, which reconciliation skips (§24.2). */
  controlBeforeFloor(): string[] {
    const floor = this.floor();
    if (!floor) return [];
    this.giveBacklog.push(...(this.deps.store.controlIdsBefore?.(this.circleId, floor, this.epoch) ?? []));
    return this.giveSome();
  }

  /** The circle's messages changed (stored here, or by another path): rebuild the items when next needed. */
  changed(): void {
    this.items = null;
  }

  get hasBacklog(): boolean {
    return this.giveBacklog.length > 0 || !!this.filler?.active;
  }

  itemSet(): ItemSet {
    const circle = this.deps.store.getCircle(this.circleId)!;
    const opts = { maxEpoch: this.epoch, legacy: isLegacy(circle) };
    // the store's own set follows every row it stores or deletes: nothing to rebuild, ever
    const kept = this.deps.store.reconItems?.(circle.circleId, opts);
    if (kept) return kept;
    if (!this.items) {
      const rows = this.deps.store.v2Items(circle.circleId, opts);
      this.items = new ItemSet(rows.map((r) => itemOf(r.ts, r.signed ? r.msgId : unsignedItemId(r.msgId))));
    }
    return this.items;
  }

  /**
   * Answer a peer's RECON ranges: WANTs, the first part of what it lacks, and our next ranges.
   * `sketch`: the peer reads SKETCH (§28); a round it starts over the whole set that does not
   * match is answered with the set's first coded symbols rather than sub-ranges.
   */
  answerRecon(ranges: Range[], recon2: boolean, sketch = false): { send: string[]; matched: boolean } {
    const set = this.itemSet();
    if (sketch && !this.floor()) {
      const first = sketchFirst(set, ranges);
      if (first) return { send: [this.frame({ t: "sketch", part: first })], matched: false };
    }
    return this.answerRanges(set, ranges, recon2);
  }

  private answerRanges(set: ItemSet, ranges: Range[], recon2: boolean): { send: string[]; matched: boolean } {
    const fillMin = this.filler ? V2_FILL_RANGE_MIN : undefined;
    const r = processRanges(set, ranges, recon2 ? RECON2 : RECON1, this.floor(), fillMin);
    const send: string[] = [];
    for (let i = 0; i < r.want.length; i += V2_WANT_MAX)
      send.push(this.frame({ t: "want", ids: r.want.slice(i, i + V2_WANT_MAX) }));
    // what the peer lacks leaves in parts of V2_GIVE_STEP_BYTES: the first now, the rest as the
    // connection drains (more()), so a whole history for a new member never sits in one queue
    this.giveBacklog.push(...r.give.map(idHex));
    if (this.filler) send.push(...this.filler.add(r.fills));
    send.push(...this.giveSome());
    send.push(this.frame({ t: recon2 ? "recon2" : "recon", ranges: r.out }));
    return { send, matched: r.out.length === 0 };
  }

  /** the coded symbols received in this round (§28) */
  private sketchIn: SketchIn | null = null;

  /**
   * A SKETCH frame (§28): a request for more of our symbols, or the peer's symbols for the round
   * we started. Peeled: WANT what it holds, give what it lacks, end the round (an empty RECON2).
   * Not yet: ask for as many symbols again. Past what a sketch can decode (or a floor came up
   * meanwhile): reconcile by ranges from the whole set, as if its fingerprint had not matched.
   */
  answerSketch(part: SketchPart): { send: string[]; matched: boolean } {
    const set = this.itemSet();
    if (part.count.length === 0)
      return { send: [this.frame({ t: "sketch", part: sketchMore(set, part) })], matched: false };
    // symbols from 0: the answer to a round this side started (a new one drops what an older one left)
    if (part.first === 0) this.sketchIn = null;
    const got = (this.sketchIn ??= new SketchIn());
    if (!got.add(part)) return { send: [], matched: false };
    const peeled = this.floor() ? "ranges" : got.peel(set);
    if (peeled === "more") return { send: [this.frame({ t: "sketch", part: got.request(set) })], matched: false };
    this.sketchIn = null;
    if (peeled === "ranges") {
      const whole = set.fingerprint(0, set.size).map((b) => b ^ 0xff);
      return this.answerRanges(set, [{ upper: INF, mode: "fp", fp: whole }], true);
    }
    const send: string[] = [];
    for (let i = 0; i < peeled.theirs.length; i += V2_WANT_MAX)
      send.push(this.frame({ t: "want", ids: peeled.theirs.slice(i, i + V2_WANT_MAX) }));
    this.giveBacklog.push(...peeled.mine.map(idHex));
    send.push(...this.giveSome());
    send.push(this.frame({ t: "recon2", ranges: [] }));
    return { send, matched: true };
  }

  /** MSGS frames for messages the peer may lack, skipping what it is known to have. */
  pushFrames(messages: StoredMessage[]): string[] {
    const mine = messages.filter((m) => m.circleId === this.circleId);
    // the store changed under this session: its next reconciliation must see these messages too
    if (mine.length) this.items = null;
    const ids = mine.filter((m) => !this.peerHas.has(m.msgId)).map((m) => m.msgId);
    return ids.length ? this.msgFrames(ids, true) : [];
  }

  /** The peer says it holds these (a HELD frame): never offer them again. */
  peerHolds(ids: string[]): void {
    for (const id of ids) this.peerHas.add(id);
  }

  /** HELD frames acknowledging `ids` (the messages of MSGS frames this side now holds). */
  heldFrames(ids: string[]): string[] {
    const frames: string[] = [];
    for (let i = 0; i < ids.length; i += V2_WANT_MAX)
      frames.push(this.frame({ t: "held", ids: ids.slice(i, i + V2_WANT_MAX).map((id) => fromHex(id)) }));
    return frames;
  }

  /** MSGS frames for the head of the give backlog, up to about V2_GIVE_STEP_BYTES. */
  giveSome(): string[] {
    const frames: string[] = [];
    let bytes = 0;
    while (this.giveBacklog.length && bytes < V2_GIVE_STEP_BYTES) {
      const ids = this.giveBacklog.splice(0, V2_GIVE_SLICE);
      for (const f of this.msgFrames(ids, false)) {
        frames.push(f);
        bytes += f.length + 1;
      }
    }
    if (this.filler?.active && bytes < V2_GIVE_STEP_BYTES) frames.push(...this.filler.some(V2_GIVE_STEP_BYTES - bytes));
    return frames;
  }

  /** MSGS frames for these ids, within the frame budget; only what this session may serve. */
  msgFrames(ids: string[], pushed: boolean): string[] {
    const d = this.deps;
    const circle = d.store.getCircle(this.circleId)!;
    const legacy = isLegacy(circle);
    const floor = this.floor();
    const frames: string[] = [];
    let batch: MsgItem[] = [];
    let size = 0;
    // an id may name the MAC-only item of a message (see unsignedItemId): look up both forms
    const wanted = [...new Set(ids.flatMap((id) => [id, unsignedItemId(id)]))];
    for (const m of d.store.getMessages(circle.circleId, wanted)) {
      // the history policy: nothing before the peer's floor but control events (§24.2)
      if (m.createdTs < floor && m.channelId !== CONTROL_CHANNEL) continue;
      const wire = d.store.getV2Wire(m.msgId);
      let item: MsgItem | null = null;
      if (wire) {
        const data = fromBase64(wire);
        if (epochOfWire(data) <= this.epoch) item = { form: FORM_V2, data };
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

  /** Verify and store the items of one MSGS frame (inside the caller's transaction). */
  storeItems(
    items: MsgItem[],
    circle: CircleRow,
    ctx: V2Ctx,
    stored: StoredMessage[],
    rejected: { msgId: string; reason: string }[],
    /** ids this side holds now, stored by this frame or before (answered with HELD: delivery state) */
    held: string[] = [],
    /** item bytes whose signature a verifier checked (by identity: these very arrays) */
    verified?: WeakSet<Uint8Array>,
  ): void {
    const d = this.deps;
    for (const it of items) {
      if (it.form === FORM_V2) {
        const v = acceptSigned(ctx, circle, it.data, "v2", verified?.has(it.data) ?? false);
        if (v.ok) {
          stored.push(v.value);
          this.peerHas.add(v.value.msgId);
          held.push(v.value.msgId);
        } else if (v.kind === "reject") rejected.push({ msgId: "?", reason: v.reason });
        else if (v.reason === "already stored") held.push(decodeMessage(it.data).msgId);
      } else {
        if (!isLegacy(circle)) {
          rejected.push({ msgId: "?", reason: "v1 message in a v2-only circle" });
          continue;
        }
        let raw: unknown;
        try {
          raw = JSON.parse(new TextDecoder().decode(it.data));
        } catch {
          rejected.push({ msgId: "?", reason: "v1 message is not JSON" });
          continue;
        }
        const v = checkWireMessage(raw, circle.circleId, fromHex(circle.secretHex), d.store);
        if (!v.ok) {
          if (v.kind === "reject")
            rejected.push({
              msgId: String((raw as { msg_id?: unknown })?.msg_id ?? "?").slice(0, 64),
              reason: v.reason,
            });
          continue;
        }
        const row = storeVerified(d.store, d.calls, v.value, "v2", ctx.now);
        if (row) stored.push(row);
        this.peerHas.add(v.value.msgId);
        if (d.store.hasMessage(v.value.msgId)) held.push(v.value.msgId);
      }
    }
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
  // the key_epoch field sits after the tag, version, circle_id, channel_id, author key and
  // created_ts (version 1) or created_ms and author_seq (version 2)
  const dv = new DataView(wire.buffer, wire.byteOffset);
  let o = 4 + dv.getUint32(0);
  const version = dv.getUint8(o);
  o += 1;
  o += 4 + dv.getUint32(o);
  o += 4 + dv.getUint32(o);
  o += 32 + 8 + (version === 2 ? 4 : 0);
  return dv.getUint32(o);
}
