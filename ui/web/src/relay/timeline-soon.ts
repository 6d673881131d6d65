// The timeline module (src/peer/timeline.ts: joins, renames, … as lines among the messages) for
// the relay-only browser: a chunk of its own, fetched when first asked for; `loaded` is then
// called (the backend has the logs already shown read again, now with their lines).
type Timeline = typeof import("../../../../src/peer/timeline.ts");

/** A getter: the module once it is here (the first call starts fetching it). */
export function timelineSoon(loaded: () => void): () => Timeline | undefined {
  let tl: Timeline | undefined;
  let asked = 0;
  return () => {
    asked++ ||
      void import("../../../../src/peer/timeline.ts").then((m) => {
        tl = m;
        loaded();
      });
    return tl;
  };
}
