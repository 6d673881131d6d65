// The timeline module (src/peer/timeline.ts: joins, renames, … as lines among the messages) for
// the relay-only browser. It is not needed to show or send messages, and the first load has no
// room left (tests/web/bundle.test.ts), so it is fetched a moment after start; until then the
// log shows the messages alone, and the lines join them when it arrives (`ready`).
import type { OrderKey, StoredMessage } from "../../../../src/sync/store.ts";
import type { TimelineLine } from "../../../../src/peer/timeline.ts";
import type { MemStore } from "./mem-store.ts";

type Timeline = typeof import("../../../../src/peer/timeline.ts");
type Ready = (t: Timeline) => void;

/** how long after the first listing the module is fetched (ms) */
const AFTER_START_MS = 1500;
let mod: Timeline | null = null;
let asked = false;

/** The module if it is here; else null, and it is fetched once, `ready` called when it is. */
function timelineNow(ready: Ready): Timeline | null {
  if (mod || asked) return mod;
  asked = true;
  setTimeout(
    () =>
      void import("../../../../src/peer/timeline.ts").then((t) => {
        mod = t;
        ready(t);
      }),
    AFTER_START_MS,
  );
  return null;
}

/** A page of a channel's log: with its timeline lines once the module is here. */
export function logPage(
  mem: MemStore,
  circleId: string,
  channelId: string,
  opts: { limit: number; before?: OrderKey },
  ready: Ready,
): { messages: StoredMessage[]; events?: Map<string, TimelineLine> } {
  const t = timelineNow(ready);
  return t
    ? t.channelLog(mem, circleId, channelId, opts)
    : { messages: mem.channelMessages(circleId, channelId, opts) };
}

/** For each row, the timeline lines of its circle if it is a control row (none before the module is here); read once a circle. */
export function controlLines(mem: MemStore, ready: Ready) {
  const byCircle = new Map<string, Map<string, TimelineLine> | undefined>();
  return (r: StoredMessage): Map<string, TimelineLine> | undefined => {
    if (r.channelId !== "__control") return undefined;
    if (!byCircle.has(r.circleId)) byCircle.set(r.circleId, timelineNow(ready)?.circleTimeline(mem, r.circleId));
    return byCircle.get(r.circleId);
  };
}

/** Every control row that is a timeline event, in every circle (to hand the UI once the module is here). */
export function everyEvent(t: Timeline, mem: MemStore): StoredMessage[] {
  return mem.listCircles().flatMap((c) => mem.getMessages(c.circleId, [...t.circleTimeline(mem, c.circleId).keys()]));
}
