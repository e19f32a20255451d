// A Vite plugin that puts docs/FIDELITY.md into the build as docs/FIDELITY.md, beside index.html,
// so the built app finds it by a relative URL under any sub-path (the app's reader fetches it; the
// dev server already serves it from the project root). The file is emitted with a UTF-8 byte order
// mark: static servers send .md as text/markdown without a charset, and a browser that opens the
// raw file would otherwise read its "δ" and "µs" as Windows-1252. fetch().text() drops the mark.
//
// Without docs/FIDELITY.md the build goes on and says so; the app's reader says the same.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the document is, in the repository and in the build. */
export const FIDELITY_PATH = 'docs/FIDELITY.md';

/**
 * The plugin; `root` is the repository (default: the working directory).
 * @param {string} [root]
 * @returns {import('vite').Plugin}
 */
export function fidelityDoc(root = process.cwd()) {
  return {
    name: 'uniqueness-lab:fidelity-doc',
    apply: 'build',
    generateBundle() {
      const file = resolve(root, FIDELITY_PATH);
      if (!existsSync(file)) {
        this.warn(`${FIDELITY_PATH} is missing: the app's "Why?" reader will say it is not in this build`);
        return;
      }
      const text = readFileSync(file);
      const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
      const source = new Uint8Array(bom.length + text.length);
      source.set(bom);
      source.set(text, bom.length);
      this.emitFile({ type: 'asset', fileName: FIDELITY_PATH, source });
    },
  };
}
