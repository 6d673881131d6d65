// The serving side of a streamed fill in one session (docs/PROTOCOL.md §23, issue 17): the
// ranges reconciliation found the peer lacks nearly all of, read from the store a page at a
// time (newest first) as the connection drains, so a new member can read the recent messages
// while the older ones follow. Memory: the ranges, one page of rows and the frames of one step,
// whatever the history's size. A peer that offered the fill gets FILL counts and MSGS_Z
// frames; any other gets the same messages in plain MSGS frames.
import { fromBase64, toHex } from "../protocol/bytes.ts";
import { V2_MSGS_FRAME_BUDGET } from "../protocol/limits.ts";
import { encodeItems, V2_FILL_PAGE, type Zip } from "../protocol/v2/fill.ts";
import { FORM_V2, type Frame, type MsgItem } from "../protocol/v2/frames.ts";
import { type Bound, cmpItem, type FillRange } from "../protocol/v2/recon.ts";
import type { FillPoint, FillQuery, FillRow } from "./store.ts";

interface Pending extends FillRange {
  /** where the previous page stopped (exclusive), null before the first */
  below: FillPoint | null;
}

/** messages in a fill's first frame: a channel's first page (ui/shared PAGE) and then some */
const FIRST_FRAME = 100;

const point = (b: Bound): FillPoint => ({ ts: b.ts, id: toHex(b.id) });

export class FillServer {
  private ranges: Pending[] = [];
  /** messages of the fill sent so far, and the total announced */
  private sent = 0;
  private total = 0;
  /** the fill's first frame is one screen of the newest messages: readable before the big frames are checked */
  private first = true;

  constructor(
    /** the store's fillPage */
    private page: (circleId: string, q: FillQuery) => FillRow[],
    private circleId: string,
    private scope: { maxEpoch: number; legacy: boolean },
    private frame: (f: Frame) => string,
    /** the peer takes FILL and MSGS_Z (it offered V2_FILL_VERSION); null: plain MSGS */
    private zip: Zip | null,
    /** MSGS frames for MAC-only rows (legacy circles), by id */
    private byIds: (ids: string[]) => string[],
  ) {}

  get active(): boolean {
    return this.ranges.length > 0;
  }

  /** Ranges the peer lacks: served newest first; the new total is announced (FILL). */
  add(fills: FillRange[]): string[] {
    if (fills.length === 0) return [];
    for (const f of fills) {
      this.ranges.push({ ...f, below: null });
      this.total += f.count;
    }
    this.ranges.sort((a, b) => cmpItem(b.upper, a.upper));
    return this.zip ? [this.frame({ t: "fill", sent: this.sent, total: this.total })] : [];
  }

  /** Frames of about `budget` bytes, the newest of what is left; the last ones end with FILL sent = total. */
  some(budget: number): string[] {
    const frames: string[] = [];
    let bytes = 0;
    let batch: MsgItem[] = [];
    let size = 0;
    const push = (f: string) => {
      frames.push(f);
      bytes += f.length + 1;
    };
    const flush = () => {
      if (batch.length) push(this.packed(batch));
      batch = [];
      size = 0;
    };
    while (this.ranges.length && bytes + size < budget) {
      const r = this.ranges[0]!;
      const rows = this.page(this.circleId, {
        ...this.scope,
        lower: point(r.lower),
        upper: r.upper.ts === Infinity ? null : point(r.upper),
        below: r.below,
        limit: V2_FILL_PAGE,
      });
      const unsigned: string[] = [];
      // a page of big messages can be far over the budget: stop inside it, and go on from there next time
      let used = 0;
      for (const row of rows) {
        if (bytes + size >= budget && used > 0) break;
        used++;
        if (r.except.has(row.msgId)) continue;
        if (!row.wire) {
          unsigned.push(row.msgId);
          continue;
        }
        const data = fromBase64(row.wire);
        if (
          (size + data.length > V2_MSGS_FRAME_BUDGET || (this.first && batch.length >= FIRST_FRAME)) &&
          batch.length
        ) {
          flush();
          this.first = false;
        }
        batch.push({ form: FORM_V2, data });
        size += data.length + 5;
        this.sent++;
      }
      if (unsigned.length) {
        flush();
        for (const f of this.byIds(unsigned)) push(f);
        this.sent += unsigned.length;
      }
      if (used === rows.length && rows.length < V2_FILL_PAGE) this.ranges.shift();
      else if (used > 0) r.below = { ts: rows[used - 1]!.ts, id: rows[used - 1]!.msgId };
    }
    flush();
    if (!this.ranges.length && this.zip && this.total) {
      // done: the final count (rows not servable under this session's epoch were never sent)
      push(this.frame({ t: "fill", sent: this.sent, total: this.sent }));
      this.total = this.sent;
    }
    return frames;
  }

  private packed(items: MsgItem[]): string {
    if (!this.zip) return this.frame({ t: "msgs", pushed: false, items });
    const raw = encodeItems(items);
    return this.frame({ t: "msgs_z", rawLen: raw.length, data: this.zip.deflate(raw) });
  }
}
