// Handing a file to the user as a download (an attachment's button, /save): a module of its own,
// so /save fetches only this much.
/** Hand bytes to the browser as a download named `name` (an object URL, revoked after). */
export function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
