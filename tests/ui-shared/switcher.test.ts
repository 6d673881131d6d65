// The quick switcher of both UIs (issue 16): targets in sidebar order, the fuzzy filter (Ctrl+K)
// and the channel before or after the active one across circles (Alt+↑/↓).
import { describe, expect, test } from "bun:test";
import { adjacentChannel, fuzzyScore, quickSwitch, switchTargets } from "../../ui/shared/switcher.ts";
import type { CircleView } from "../../ui/shared/types.ts";

const circle = (circleId: string, name: string, channels: string[]): CircleView => ({
  circleId,
  name,
  owned: true,
  members: 1,
  messages: 0,
  channels: channels.map((channelId) => ({
    channelId,
    accessMode: "public",
    createdBy: "",
    createdTs: 0,
    members: [],
    requests: [],
    joined: true,
  })),
});
const circles = [
  circle("a".repeat(24), "friends", ["general", "random"]),
  circle("b".repeat(24), "work", ["general", "deploys", "design"]),
  circle("c".repeat(24), "", ["general"]),
];
const labels = (q: string) => quickSwitch(q, switchTargets(circles)).map((t) => t.label);

describe("quick switcher", () => {
  test("every circle, then its channels, in sidebar order; a circle without a name by its id", () => {
    expect(switchTargets(circles).map((t) => t.label)).toEqual([
      "friends",
      "friends #general",
      "friends #random",
      "work",
      "work #general",
      "work #deploys",
      "work #design",
      "cccccc",
      "cccccc #general",
    ]);
  });
  test("fuzzy: letters in order, case-insensitive; runs and word starts first, then shorter; no match, no entry", () => {
    expect(labels("dep")[0]).toBe("work #deploys");
    expect(labels("wde").sort()).toEqual(["work #deploys", "work #design"]);
    expect(labels("wdesi")).toEqual(["work #design"]);
    expect(labels("fr ran")).toEqual(["friends #random"]);
    expect(labels("WORK")[0]).toBe("work");
    expect(labels("xyz")).toEqual([]);
    expect(fuzzyScore("ab", "ba")).toBe(-1);
    expect(fuzzyScore("gen", "general")).toBeGreaterThan(fuzzyScore("gen", "work #green energy"));
    expect(labels("").length).toBe(9);
  });
  test("Alt+↓ / Alt+↑: next and previous channel across circles, round the ends", () => {
    const [a, b, c] = circles.map((x) => x.circleId);
    expect(adjacentChannel(circles, a, "random", 1)).toEqual({ circleId: b!, channelId: "general" });
    expect(adjacentChannel(circles, b, "general", -1)).toEqual({ circleId: a!, channelId: "random" });
    expect(adjacentChannel(circles, c, "general", 1)).toEqual({ circleId: a!, channelId: "general" });
    expect(adjacentChannel(circles, a, "general", -1)).toEqual({ circleId: c!, channelId: "general" });
    // nowhere yet: the first (down) or the last (up)
    expect(adjacentChannel(circles, null, "general", 1)).toEqual({ circleId: a!, channelId: "general" });
    expect(adjacentChannel(circles, null, "general", -1)).toEqual({ circleId: c!, channelId: "general" });
    expect(adjacentChannel([circles[2]!], c, "general", 1)).toBeNull();
    expect(adjacentChannel([], null, "general", 1)).toBeNull();
  });
});
