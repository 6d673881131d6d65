// The request budget towards a v1 peer (src/sync/knowledge.ts) against a simple model of an
// original: it can send at most `fits` messages per frame and closes on anything larger.
import { describe, expect, test } from "bun:test";
import { V1_REQ_MAX, V1_REQ_MIN, V1_REQ_START } from "../../src/protocol/limits.ts";
import { PeerKnowledge } from "../../src/sync/knowledge.ts";

/** `rounds` exchanges, each asking for min(budget, backlog); returns failures and budgets. */
function simulate(k: PeerKnowledge, fits: (round: number) => number, rounds: number, backlog = Infinity) {
  let failures = 0;
  const budgets: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ask = Math.min(k.reqBudget("c", "p"), backlog);
    budgets.push(ask);
    if (ask > fits(r)) {
      k.shrink("c", "p");
      failures++;
    } else k.grow("c", "p", ask);
  }
  return { failures, budgets };
}

describe("request budget towards a v1 peer", () => {
  test("starts at V1_REQ_START and grows while everything fits, up to V1_REQ_MAX", () => {
    const k = new PeerKnowledge(() => 0);
    expect(k.reqBudget("c", "p")).toBe(V1_REQ_START);
    const { failures, budgets } = simulate(k, () => Infinity, 30);
    expect(failures).toBe(0);
    expect(budgets.at(-1)).toBe(V1_REQ_MAX);
  });

  for (const fits of [1, 7, 20, 50, 76, 150]) {
    test(`settles just under a limit of ${fits} messages per frame with few failures`, () => {
      const k = new PeerKnowledge(() => 0);
      const { failures, budgets } = simulate(k, () => fits, 100);
      // the old doubling-and-halving failed every other exchange; now a few, plus an occasional probe
      expect(failures).toBeLessThanOrEqual(20);
      const tail = budgets.slice(-50);
      expect(tail.filter((b) => b > fits).length).toBeLessThanOrEqual(10);
      expect(Math.min(...tail)).toBeGreaterThanOrEqual(Math.max(V1_REQ_MIN, Math.floor(fits * 0.75)));
    });
  }

  test("a failure at a budget that used to work (longer messages now) lowers it; a later rise is found again", () => {
    const k = new PeerKnowledge(() => 0);
    const fits = (r: number) => (r < 30 ? 60 : r < 60 ? 20 : 60);
    const { budgets } = simulate(k, fits, 300);
    expect(Math.max(...budgets.slice(45, 60))).toBeLessThanOrEqual(21);
    expect(Math.max(...budgets.slice(-20))).toBeGreaterThanOrEqual(45);
  });

  test("a small request says nothing about the budget", () => {
    const k = new PeerKnowledge(() => 0);
    simulate(k, () => 1000, 20, 3); // only 3 missing each time
    expect(k.reqBudget("c", "p")).toBe(V1_REQ_START);
  });

  test("peers and circles have separate budgets", () => {
    const k = new PeerKnowledge(() => 0);
    k.shrink("c", "p");
    expect(k.reqBudget("c", "p")).toBeLessThan(V1_REQ_START);
    expect(k.reqBudget("c", "q")).toBe(V1_REQ_START);
    expect(k.reqBudget("d", "p")).toBe(V1_REQ_START);
  });
});
