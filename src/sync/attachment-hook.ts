// Where the store learns to read kind-7 messages (docs/PROTOCOL.md §20). The reader
// (attachment-open.ts) registers itself when loaded: the node loads it at start, the relay-only
// browser with its attachment chunk, so its first load stays small. Until then a kind-7 message is
// stored with the bare text "📎" and relabelled once the reader is there (relabelAttachments).
import { accept, type Verdict } from "../protocol/verdict.ts";
import type { SignedMessage } from "../protocol/v2/message.ts";
import type { SyncStoreV2 } from "./store.ts";

export type AttachmentReader = (store: SyncStoreV2, m: SignedMessage) => Verdict<string>;
let reader: AttachmentReader | null = null;

export const setAttachmentReader = (r: AttachmentReader): void => {
  reader = r;
};

/** The row text of a kind-7 message, or its refusal; "📎" while no reader is loaded. */
export const attachmentRowText = (store: SyncStoreV2, m: SignedMessage): Verdict<string> =>
  reader ? reader(store, m) : accept("📎");
