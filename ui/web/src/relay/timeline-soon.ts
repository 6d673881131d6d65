// The timeline module (src/peer/timeline.ts: joins, renames, … as lines among the messages) for
// the relay-only browser. It is not needed to read or send, and the first load has no room left
// (tests/web/bundle.test.ts), so it is fetched a moment after it is first asked for; `loaded`
// is then called (the backend has the logs already shown read again, now with their lines).
type Timeline = typeof import("../../../../src/peer/timeline.ts");

/** A getter: the module once it is here (the first call starts fetching it). */
export function timelineSoon(loaded: () => void): () => Timeline | undefined {
  let tl: Timeline | undefined;
  let asked = 0;
  return () => {
    asked++ ||
      setTimeout(async () => {
        tl = await import("../../../../src/peer/timeline.ts");
        loaded();
      }, 1500);
    return tl;
  };
}
