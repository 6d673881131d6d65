// The labels of a circle's members as the chat store knows them (you, its peers, the authors of
// the messages loaded), with the id suffix where names collide (safe-text.ts memberLabels); kept
// until that state changes.
import type { ChatState } from "./chat-state.ts";
import { memberLabels } from "./safe-text.ts";

export class LabelCache {
  private c: { circleId: string; from: unknown[]; labels: Map<string, string> } | null = null;

  get(s: ChatState, circleId: string): Map<string, string> {
    const from = [s.app?.node, s.peers, s.messages, s.authors];
    const c = this.c;
    if (c && c.circleId === circleId && c.from.every((x, i) => x === from[i])) return c.labels;
    const members: [string, string][] = [];
    if (s.app?.node) members.push([s.app.node.nodeId, s.app.node.displayName]);
    for (const p of s.peers[circleId] ?? []) if (p.name) members.push([p.nodeId, p.name]);
    for (const [k, list] of Object.entries(s.messages))
      if (k.startsWith(`${circleId}/`))
        for (const m of list) members.push([m.authorNodeId, s.authors[m.authorNodeId] || m.author]);
    const labels = memberLabels(members);
    this.c = { circleId, from, labels };
    return labels;
  }
}
