// The app's one download helper: a Blob behind a same-origin blob: URL clicked as <a download>.
// No request leaves the page. (Files the person opens are read by snapfile/read.ts, header first.)

/** How long a download's blob: URL lives (the browser has copied it long before). */
const REVOKE_AFTER_MS = 60_000;

/** Starts a download of `blob` named `name`. */
export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

export const svgBlob = (text: string) => new Blob([text], { type: 'image/svg+xml' });
export const csvBlob = (text: string) => new Blob([text], { type: 'text/csv' });
export const jsonBlob = (value: unknown) =>
  new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' });
export const bytesBlob = (bytes: Uint8Array) =>
  new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
