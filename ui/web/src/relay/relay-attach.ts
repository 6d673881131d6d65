// Attachments of the relay-only browser (docs/PROTOCOL.md §20), a chunk loaded on the first
// file sent or shown: send a file (its chunks go to the circle's relay), describe one, fetch one
// from the relay with resume. Chunks are kept in IndexedDB (database "felund-blobs", one record
// per circle/chunk id), loaded into the peer's chunk store before a fetch, so held chunks are
// never fetched again, across reloads too.
import { ATTACH_FILE_MAX_DEFAULT } from "../../../../src/protocol/limits.ts";
import { attachmentInfo, fetchAttachment, sendAttachment } from "../../../../src/peer/attachments.ts";
import { RelayBlobs } from "../../../../src/peer/relay/blobs.ts";
import { attachmentOf, relabelAttachments } from "../../../../src/sync/attachment-open.ts";
import { MemBlobStore } from "../../../../src/sync/blobs.ts";
import { attachmentMessage } from "../../../../src/peer/attachments.ts";
import type { AttachmentView, FileUpload, MessageView, Progress } from "../../../shared/types.ts";
import type { PeerCtx } from "../../../../src/peer/ctx.ts";
import type { StoredMessage } from "../../../../src/sync/store.ts";
import type { MemStore } from "./mem-store.ts";

/** What this chunk needs of the relay backend (relay-actions.ts lends it). */
interface ActionHost {
  peer: PeerCtx;
  mem: MemStore;
  fetch?: unknown;
  node(): { nodeId: string };
  relayBase(): string;
  published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]>;
}
import { messageView } from "../../../../src/peer/views.ts";

const blobs = new MemBlobStore();
let dbp: Promise<IDBDatabase> | null = null;

function idb(): Promise<IDBDatabase> {
  return (dbp ??= new Promise((ok, fail) => {
    const r = indexedDB.open("felund-blobs", 1);
    r.onupgradeneeded = () => r.result.createObjectStore("chunks");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  }));
}

async function saveChunks(circleId: string, ids: readonly string[]): Promise<void> {
  const tx = (await idb()).transaction("chunks", "readwrite");
  for (const id of ids) {
    const d = blobs.getChunk(circleId, id);
    if (d) tx.objectStore("chunks").put(d, `${circleId}/${id}`);
  }
  await new Promise<void>((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = tx.onabort = () => fail(tx.error);
  });
}

async function loadChunks(circleId: string, ids: readonly string[]): Promise<void> {
  const st = (await idb()).transaction("chunks").objectStore("chunks");
  await Promise.all(
    ids.map(
      (id) =>
        new Promise<void>((ok) => {
          const r = st.get(`${circleId}/${id}`);
          r.onsuccess = () => {
            if (r.result) blobs.putChunk(circleId, id, new Uint8Array(r.result as ArrayBuffer));
            ok();
          };
          r.onerror = () => ok();
        }),
    ),
  );
}

const relayOf = (h: ActionHost) => new RelayBlobs(h.relayBase(), h.peer.me().nodeId, h.fetch as never);

export async function attach(
  h: ActionHost,
  circleId: string,
  channelId: string,
  file: FileUpload,
  progress?: Progress,
): Promise<MessageView> {
  const a = sendAttachment(h.peer, blobs, circleId, channelId, file, ATTACH_FILE_MAX_DEFAULT);
  await saveChunks(a.row.circleId, a.attachment.chunks);
  // the chunks first: members that see the message can fetch the file at once
  await relayOf(h).upload(a.row.circleId, a.chunks, progress);
  const [row] = await h.published(a.row.circleId, [a.row]);
  return messageView(h.mem, row ?? a.row, (id) => id === h.node().nodeId);
}

export async function info(h: ActionHost, circleId: string, msgId: string): Promise<AttachmentView> {
  // stored before this chunk (the reader) was loaded: give the row its label now
  relabelAttachments(h.peer.store, h.peer.store.getMessages(circleId, [msgId]));
  const m = attachmentMessage(h.peer.store, msgId);
  const a = m && attachmentOf(h.peer.store, m);
  if (a) await loadChunks(circleId, a.chunks);
  return attachmentInfo(h.peer.store, blobs, circleId, msgId);
}

export async function fetchFile(
  h: ActionHost,
  circleId: string,
  msgId: string,
  progress?: Progress,
): Promise<Uint8Array> {
  await info(h, circleId, msgId);
  const file = await fetchAttachment(
    {
      store: h.peer.store,
      blobs,
      sources: [relayOf(h).source(circleId)],
      maxBytes: ATTACH_FILE_MAX_DEFAULT,
      now: () => h.peer.now(),
      progress,
    },
    circleId,
    msgId,
  );
  const m = attachmentMessage(h.peer.store, msgId);
  const a = m && attachmentOf(h.peer.store, m);
  if (a) await saveChunks(circleId, a.chunks);
  return file;
}
