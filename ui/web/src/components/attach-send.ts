// Sending files from the web client (a chunk loaded on the first attach, drop or paste): for an
// image, a thumbnail of at most 96 px made with a canvas (JPEG, ≤ 8 KiB); then the backend sends
// the file, and a progress bar above the input shows the upload.
import { ATTACH_THUMB_MAX } from "../../../../src/protocol/limits.ts";
import type { FileUpload } from "../../../shared/types.ts";
import type { AppStore } from "../app-store.ts";

const EDGE = 96;

/** A small JPEG of an image file, or undefined when it is not one the browser can draw. */
export async function thumbnail(f: Blob): Promise<FileUpload["thumb"]> {
  if (!/^image\/(png|jpeg|gif|webp|bmp)$/.test(f.type)) return undefined;
  try {
    const img = await createImageBitmap(f);
    const k = Math.min(1, EDGE / Math.max(img.width, img.height));
    const c = document.createElement("canvas");
    c.width = Math.max(1, Math.round(img.width * k));
    c.height = Math.max(1, Math.round(img.height * k));
    c.getContext("2d")!.drawImage(img, 0, 0, c.width, c.height);
    for (const q of [0.7, 0.5, 0.3]) {
      const b = await new Promise<Blob | null>((ok) => c.toBlob(ok, "image/jpeg", q));
      if (b && b.size <= ATTACH_THUMB_MAX) return { mime: "image/jpeg", bytes: new Uint8Array(await b.arrayBuffer()) };
    }
  } catch {}
  return undefined;
}

export async function sendFiles(app: AppStore, files: File[]): Promise<void> {
  const b = app.backend;
  const circleId = app.state().circleId;
  if (!b.attach || !circleId) return app.notice("this client cannot send files here", "error");
  for (const f of files) {
    const bar = document.createElement("progress");
    bar.className = "upload";
    bar.dataset.testid = "upload-progress";
    bar.title = `sending ${f.name}`;
    document.querySelector(".inputbar")?.prepend(bar);
    try {
      const ch = app.state().channelId;
      await b.attach(
        circleId,
        ch,
        {
          name: f.name || "pasted.png",
          mime: f.type || "application/octet-stream",
          bytes: new Uint8Array(await f.arrayBuffer()),
          thumb: await thumbnail(f),
        },
        (done, total) => {
          bar.max = total;
          bar.value = done;
        },
      );
      await app.core.loadLatest(circleId, ch, true);
    } catch (e) {
      app.notice((e as Error).message, "error");
    } finally {
      bar.remove();
    }
  }
}

export { download } from "./download.ts";
