// Hands bytes to the browser as a download and reads a file the person chose, both without any
// request beyond the page: a Blob behind a same-origin blob: URL, and File.arrayBuffer().

/** How long a download's blob: URL lives (the browser has copied it long before). */
const REVOKE_AFTER_MS = 60_000;

/** Starts a download of `bytes` named `name` (an <a download> click on a blob: URL). */
export function downloadBytes(bytes: Uint8Array, name: string, type = 'application/octet-stream'): void {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
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

/** The bytes of a file the person picked or dropped. */
export async function readFileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
