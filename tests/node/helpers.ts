// Test helpers: nodes on 127.0.0.1:0 with in-memory stores, and waiting for a condition.
import { openMemoryDb } from "../../db/client.ts";
import { NodeStore } from "../../db/node-store.ts";
import { FelundNode, type NodeOptions } from "../../src/node/node.ts";
import { saveSettings } from "../../src/node/identity.ts";

/**
 * A node for tests of the v1 paths: v1-only (`v2: false`) unless the test asks for v2, so
 * these tests see exactly the v1 exchange between our nodes. v2 has its own node tests
 * (startV2Node).
 */
export async function startNode(name: string, opts: Partial<NodeOptions> = {}): Promise<FelundNode> {
  return startAnyNode(name, { v2: false, ...opts });
}

/** A node as shipped: v2 on. */
export const startV2Node = (name: string, opts: Partial<NodeOptions> = {}) => startAnyNode(name, opts);

async function startAnyNode(name: string, opts: Partial<NodeOptions>): Promise<FelundNode> {
  const store = new NodeStore(openMemoryDb());
  saveSettings(store, { bind: "127.0.0.1", port: 0, displayName: name });
  const node = new FelundNode({ store, bind: "127.0.0.1", port: 0, intervalS: 3600, ...opts });
  await node.start();
  return node;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
