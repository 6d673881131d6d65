// Where the store rules of replies, reactions, edits and deletes (v2-refs.ts) plug into the
// engine: they register themselves when loaded. The node loads them at start; the relay-only
// browser when it first meets such a message (a chunk of its own, outside the first load). The
// engine refuses kinds 3-6 while they are not loaded, so nothing is stored unchecked.
import type { Verdict } from "../protocol/verdict.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import type { StoredMessage, SyncStoreV2 } from "./store.ts";

export interface RefPlan {
  targetId: string;
  target: StoredMessage | null;
  text: string;
}

export interface RefRules {
  /** Before any message is stored: ignore one deleted here (or whose delete came first: erased with its refs);
   * for kinds 3-6 the body rules, target and authority: accept(the target's id, the target when held, the row's text) */
  before(store: SyncStoreV2, m: SignedMessage): Verdict<RefPlan | null>;
  /** after a ref is stored (a delete erases its target) */
  after(store: SyncStoreV2, m: SignedMessage, plan: RefPlan): void;
  /** a legacy circle's original peers get it with a v1 MAC (a clear reply or edit) */
  givesV1(m: SignedMessage): boolean;
}

let rules: RefRules | null = null;
export const refRules = (): RefRules | null => rules;
export const useRefRules = (r: RefRules): void => {
  rules = r;
};
