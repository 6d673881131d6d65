// Chat messages per circle (control events left out), kept as rows are inserted or deleted, so
// what the front ends poll (/api/state, `felund circles`) costs no COUNT(*) over the history
// (issue 17: 57 ms a call at 1,000,000 messages). Counted once per circle on first use; a prune,
// a removed circle or a rolled-back transaction forgets the count, and the next use counts again.
import type { Database } from "bun:sqlite";
import { CONTROL_CHANNEL } from "../src/protocol/message.ts";

export class ChatCounts {
  private counts = new Map<string, number>();

  constructor(private sql: Database) {}

  get(circleId: string): number {
    let n = this.counts.get(circleId);
    if (n === undefined) {
      n = (
        this.sql
          .query(`SELECT COUNT(*) AS n FROM messages WHERE circle_id = ? AND channel_id != '${CONTROL_CHANNEL}'`)
          .get(circleId) as { n: number }
      ).n;
      this.counts.set(circleId, n);
    }
    return n;
  }

  /** A row was inserted. */
  inserted(circleId: string, channelId: string): void {
    const n = this.counts.get(circleId);
    if (n !== undefined && channelId !== CONTROL_CHANNEL) this.counts.set(circleId, n + 1);
  }

  /** Rows were deleted (or may have been): count again on next use. */
  drop(circleId?: string): void {
    if (circleId === undefined) this.counts.clear();
    else this.counts.delete(circleId);
  }
}
