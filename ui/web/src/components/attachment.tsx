// An attachment in the message log (a chunk loaded with the first one shown): an image's
// thumbnail (from the signed message), which opens the full image; any file as its name and
// size with a download button; a progress bar while the file is fetched (on demand, only from
// this circle's peers and relay). Full images and downloads use object URLs of the fetched bytes.
import { Show, createSignal, onCleanup } from "solid-js";
import { formatSize } from "../../../../src/protocol/v2/attachment.ts";
import type { AttachmentView, MessageView } from "../../../shared/types.ts";
import { useApp } from "../app-store.ts";
import { fetched } from "./fetched.ts";
import { download } from "./attach-send.ts";

export function Attachment(p: { m: MessageView }) {
  const app = useApp();
  const info = fetched(
    () => p.m.msgId,
    (id) => app.backend.attachmentInfo?.(p.m.circleId, id) ?? Promise.reject(new Error("no attachments here")),
  );
  const [progress, setProgress] = createSignal<[number, number] | null>(null);
  const [full, setFull] = createSignal("");
  const [error, setError] = createSignal("");
  onCleanup(() => full() && URL.revokeObjectURL(full()));

  const get = async (): Promise<Uint8Array | null> => {
    const b = app.backend;
    if (!b.fetchAttachment) return null;
    setError("");
    setProgress([0, 1]);
    try {
      return await b.fetchAttachment(p.m.circleId, p.m.msgId, (d, t) => setProgress([d, t]));
    } catch (e) {
      setError((e as Error).message);
      return null;
    } finally {
      setProgress(null);
    }
  };
  const save = async (a: AttachmentView) => {
    const bytes = await get();
    if (bytes) download(a.name, bytes);
  };
  const open = async (a: AttachmentView) => {
    if (full()) return;
    const bytes = await get();
    if (bytes) setFull(URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: a.mime })));
  };

  return (
    <Show when={info()}>
      {(a) => (
        <div class="attachment" data-testid="attachment">
          <Show when={a().thumb && !full()}>
            <button type="button" class="thumb" title={`open ${a().name}`} onClick={() => void open(a())}>
              <img data-testid="thumb" alt={a().name} src={`data:${a().thumbMime};base64,${a().thumb}`} />
            </button>
          </Show>
          <Show when={full()}>
            <img class="full" data-testid="full-image" alt={a().name} src={full()} />
          </Show>
          <div class="file-line">
            <span class="file-name">{a().name}</span> <span class="file-size">{formatSize(a().size)}</span>{" "}
            <button type="button" data-testid="download" onClick={() => void save(a())}>
              Download
            </button>
          </div>
          <Show when={progress()}>
            {(pr) => <progress data-testid="download-progress" max={pr()[1]} value={pr()[0]} />}
          </Show>
          <Show when={error()}>
            <p class="error-text">{error()}</p>
          </Show>
        </div>
      )}
    </Show>
  );
}
