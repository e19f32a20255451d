// The project's fidelity document (docs/FIDELITY.md: what the model follows, from which upstream
// line) read inside the app, opened at a section. The build copies the file beside index.html
// (scripts/vite-fidelity.js), so it is fetched by a relative URL and the reader works under any
// sub-path and offline; without the file the reader says it is not in this build.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown';

/** The document's address, relative to the page (never a leading "/"). */
export const FIDELITY_HREF = 'docs/FIDELITY.md';

let loaded: Promise<string | null> | null = null;

/** The document's text, fetched once per page; null when this build does not have it. */
export function fidelityText(): Promise<string | null> {
  loaded ??= fetch(new URL(FIDELITY_HREF, document.baseURI), { cache: 'no-cache' })
    .then(async (r) => {
      // a dev server answers unknown paths with the app's index.html: that is "missing" too
      if (!r.ok || (r.headers.get('content-type') ?? '').includes('text/html')) return null;
      return r.text();
    })
    .catch(() => null);
  return loaded;
}

function Inlines({ xs, onAnchor }: { xs: readonly Inline[]; onAnchor(id: string): void }): ReactNode {
  return xs.map((x, i) => {
    switch (x.t) {
      case 'text':
        return x.text;
      case 'code':
        return <code key={i}>{x.text}</code>;
      case 'strong':
        return (
          <strong key={i}>
            <Inlines xs={x.children} onAnchor={onAnchor} />
          </strong>
        );
      case 'em':
        return (
          <em key={i}>
            <Inlines xs={x.children} onAnchor={onAnchor} />
          </em>
        );
      case 'link':
        if (x.href.startsWith('#'))
          return (
            <a
              key={i}
              href={x.href}
              onClick={(e) => {
                e.preventDefault();
                onAnchor(x.href.slice(1));
              }}
            >
              <Inlines xs={x.children} onAnchor={onAnchor} />
            </a>
          );
        // upstream sources open in a new tab; the repository's own files are not in the build
        if (/^https:\/\//.test(x.href))
          return (
            <a key={i} href={x.href} target="_blank" rel="noopener noreferrer">
              <Inlines xs={x.children} onAnchor={onAnchor} />
            </a>
          );
        return (
          <span key={i} title={x.href}>
            <Inlines xs={x.children} onAnchor={onAnchor} />
          </span>
        );
    }
  });
}

function BlockView({ b, onAnchor }: { b: Block; onAnchor(id: string): void }) {
  switch (b.t) {
    case 'heading': {
      const H = `h${Math.min(6, b.level + 1)}` as 'h2';
      return (
        <H id={`fid-${b.id}`}>
          <Inlines xs={b.children} onAnchor={onAnchor} />
        </H>
      );
    }
    case 'para':
      return (
        <p>
          <Inlines xs={b.children} onAnchor={onAnchor} />
        </p>
      );
    case 'list': {
      const L = b.ordered ? 'ol' : 'ul';
      return (
        <L>
          {b.items.map((it, i) => (
            <li key={i}>
              <Inlines xs={it} onAnchor={onAnchor} />
            </li>
          ))}
        </L>
      );
    }
    case 'table':
      return (
        <div className="fid-table">
          <table>
            <thead>
              <tr>
                {b.head.map((c, i) => (
                  <th key={i} scope="col">
                    <Inlines xs={c} onAnchor={onAnchor} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>
                      <Inlines xs={c} onAnchor={onAnchor} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'code':
      return <pre>{b.text}</pre>;
  }
}

/**
 * A modal reader of docs/FIDELITY.md opened at the first heading whose text starts with
 * `section` (e.g. "Verdicts", "7. The real kernel"); Esc or Close leaves it.
 */
export function FidelityReader({ section, onClose }: { section: string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const [doc, setDoc] = useState<Block[] | null | 'loading'>('loading');

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    let live = true;
    void fidelityText().then((t) => live && setDoc(t === null ? null : parseMarkdown(t)));
    return () => {
      live = false;
    };
  }, []);

  const go = (id: string) =>
    body.current?.querySelector(`#${CSS.escape(`fid-${id}`)}`)?.scrollIntoView({ block: 'start' });

  useEffect(() => {
    if (!Array.isArray(doc)) return;
    const h = doc.find((b) => b.t === 'heading' && b.text.startsWith(section));
    if (h && h.t === 'heading') go(h.id);
  }, [doc, section]);

  return (
    <dialog ref={dialog} className="fidelity-reader" aria-labelledby="fid-title" onClose={onClose}>
      <div className="fid-bar">
        <h2 id="fid-title">How the model decides: docs/FIDELITY.md</h2>
        <a href={FIDELITY_HREF} target="_blank" rel="noopener">
          open the file
        </a>
        <button type="button" className="primary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <div className="fid-body" ref={body}>
        {doc === 'loading' ? (
          <p className="hint">Loading docs/FIDELITY.md…</p>
        ) : doc === null ? (
          <p className="fid-missing" role="alert">
            docs/FIDELITY.md is not in this build yet. It will list, for every behaviour of the model, the
            upstream source line it follows; the verdict&apos;s reason above is computed from this run&apos;s
            outputs and entropy ledger.
          </p>
        ) : (
          doc.map((b, i) => <BlockView key={i} b={b} onAnchor={go} />)
        )}
      </div>
    </dialog>
  );
}
