// The browser's side of loading assets: fetch, relative to a base URL the page gives (its own
// location, so the app works under any sub-path; never a leading "/"). Streams each response to
// report progress. Uses only fetch and streams, so it also runs in a worker (and in Node).

import type { AssetSource } from './assets';

/** Asset files fetched from `baseUrl` (e.g. new URL('real/', document.baseURI)); 404 reads as null. */
export function fetchSource(baseUrl: string): AssetSource {
  return {
    where: baseUrl,
    async read(name, { signal, onBytes } = {}) {
      const res = await fetch(new URL(name, baseUrl), { signal, cache: 'no-cache' });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${name}`);
      // a dev server may answer unknown paths with the app's index.html: that is "missing" too
      if ((res.headers.get('content-type') ?? '').includes('text/html')) return null;
      if (!res.body) return new Uint8Array(await res.arrayBuffer());
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onBytes?.(loaded);
      }
      const out = new Uint8Array(loaded);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
  };
}
