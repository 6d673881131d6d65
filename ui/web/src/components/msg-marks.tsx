// The marks few messages in the log have (message-log.tsx loads this chunk at the first one):
// an author without proof, and a message that arrived long after it was written.
import type { MessageView } from "../../../shared/types.ts";

export function Unverified(p: { m: MessageView }) {
  return (
    <span
      class="unverified"
      title={
        p.m.verified === "mac"
          ? "Proven to come from a circle member, but not which one: it has no author signature (an original felund client, or the v1 path)."
          : "This message came without proof of its author (no circle MAC or signature)."
      }
    >
      unverified author
    </span>
  );
}

export function Late(p: { m: MessageView }) {
  return (
    <span class="late" data-testid="late" title={`arrived ${new Date(p.m.receivedAt * 1000).toLocaleString()}`}>
      arrived later
    </span>
  );
}
