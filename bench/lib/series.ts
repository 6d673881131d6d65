// A series of messages for the delivery benches: one in flight at a time, each timed from its
// send to the moment every node holds it (and to the first node that does). Bounded: a message
// not everywhere within the per-message timeout counts as lost and the series goes on; after a
// few losses in a row, or when the series' time budget is spent, it stops and says so.
import type { Arrival } from "./v1-wire.ts";

/** Sends one message with this text and resolves with when each node held it. */
export type Sender = (text: string) => Promise<Arrival>;

export interface SeriesResult {
  /** measured messages (warm-up excluded) */
  sent: number;
  /** ms to the first node and to every node; Infinity when not everywhere within the timeout */
  first: number[];
  all: number[];
  /** lower bounds of `all` (from each node's last MSGS_HAVE without the message) */
  allLo: number[];
  /** per lost message: on how many nodes it was by the timeout */
  heldWhenLost: number[];
  nodes: number;
  warmupLost: number;
  /** why the series ended before `count` messages ("" when it did not) */
  stopped: string;
  polls: number;
  pollErrors: number;
  /** the windows the arrivals lie in (ms between a node's MSGS_HAVE without and with the message): the figures' resolution */
  windowP50: number;
  windowMax: number;
  errors: string[];
}

export const MAX_LOST_IN_A_ROW = 3;
const GAP_MS = 20;

export async function runSeries(
  opts: { warmup: number; count: number; budgetMs: number },
  send: Sender,
  say: (s: string) => void,
): Promise<SeriesResult> {
  const r: SeriesResult = {
    sent: 0,
    first: [],
    all: [],
    allLo: [],
    heldWhenLost: [],
    nodes: 0,
    warmupLost: 0,
    stopped: "",
    polls: 0,
    pollErrors: 0,
    windowP50: NaN,
    windowMax: NaN,
    errors: [],
  };
  const windows: number[] = [];
  const t0 = performance.now();
  let lostInARow = 0;
  for (let i = -opts.warmup; i < opts.count; i++) {
    if (performance.now() - t0 > opts.budgetMs) {
      r.stopped = `time budget of ${opts.budgetMs / 1000} s spent`;
      break;
    }
    let a: Arrival;
    try {
      a = await send(`bench mixed #${i} ${crypto.randomUUID()}`);
    } catch (e) {
      // a send that fails is a lost message too, with its reason kept for the report
      r.errors.push((e as Error).message);
      a = { ms: [], loMs: [], windowMs: [], polls: 0, pollErrors: 0 };
    }
    r.nodes = Math.max(r.nodes, a.ms.length);
    const held = a.ms.filter(Number.isFinite);
    const all = a.ms.length && held.length === a.ms.length ? Math.max(...held) : Infinity;
    if (i < 0) {
      if (!Number.isFinite(all)) r.warmupLost++;
      continue;
    }
    r.sent++;
    r.polls += a.polls;
    r.pollErrors += a.pollErrors;
    windows.push(...a.windowMs);
    r.first.push(held.length ? Math.min(...held) : Infinity);
    r.all.push(all);
    r.allLo.push(Number.isFinite(all) ? Math.max(...a.loMs) : Infinity);
    if (Number.isFinite(all)) lostInARow = 0;
    else {
      r.heldWhenLost.push(held.length);
      say(`message #${i} lost: on ${held.length} of ${a.ms.length} nodes after the timeout`);
      if (++lostInARow >= MAX_LOST_IN_A_ROW) {
        r.stopped = `${MAX_LOST_IN_A_ROW} messages in a row lost`;
        break;
      }
    }
    await Bun.sleep(GAP_MS);
  }
  windows.sort((x, y) => x - y);
  r.windowP50 = windows.length ? windows[Math.floor(windows.length / 2)]! : NaN;
  r.windowMax = windows.length ? windows.at(-1)! : NaN;
  return r;
}
