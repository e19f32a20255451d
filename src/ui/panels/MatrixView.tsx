// The mitigation matrix: every library (rows) against every configuration (columns) of the
// chosen guest, each column one real run on the worker's second core (computeMatrix). A cell says
// its verdict three ways (glyph, word, colour), then duplicates, the first unique draw and ns per
// call; the footer says which secrets reach each column's snapshot file. A cell is a button:
// click or Enter opens that configuration in the lab, showing that library.

import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { matrixToCsv, matrixToSvg } from '../../core/matrix/export';
import type { MatrixCell } from '../../core/matrix/matrix';
import {
  count,
  drawLabel,
  MATRIX_VERDICT_WORDS,
  nsText,
  type MatrixVerdict,
} from '../../core/settings/words';
import { csvBlob, download, svgBlob } from '../lib/download';
import { useLab, useLabStore } from '../store/context';
import { WhyVerdict } from '../why/WhyVerdict';
import { matrixArgs } from '../store/presentSlice';
import type { LabState } from '../store/types';

const selectMatrix = (s: LabState) => ({
  matrix: s.matrix,
  key: s.matrixKey,
  error: s.matrixError,
  busy: s.busy,
  ready: s.ready,
  theme: s.theme,
});
const selectArgsKey = (s: LabState) => JSON.stringify(matrixArgs(s));

const VERDICT_CLASS: Record<MatrixVerdict, string> = {
  dup: 'v-dup',
  unique: 'v-unique',
  'dup-until': 'v-until',
  predictable: 'v-predictable',
  mixed: 'v-mixed',
  refused: 'v-refused',
};

function firstUnique(cell: MatrixCell): string {
  return cell.firstUniqueDraw === null
    ? 'never unique'
    : `unique from draw ${drawLabel(cell.firstUniqueDraw)}`;
}

/** The same facts in a few characters, for the cell's face (the accessible name has the words). */
function shortUnique(cell: MatrixCell): string {
  return `uniq ${drawLabel(cell.firstUniqueDraw)}`;
}

/** How many of the guest's secrets reach the column's snapshot file, in words. */
function secretsLine(inFile: number, total: number): string {
  return inFile === 0 ? '✓ no secret in file' : `⚠ ${inFile}/${total} secrets in file`;
}

export function MatrixView() {
  const store = useLabStore();
  const { matrix: m, key, error, busy, ready, theme } = useLab(useShallow(selectMatrix));
  const argsKey = useLab(selectArgsKey);
  const args = JSON.parse(argsKey) as ReturnType<typeof matrixArgs>;
  const stale = m !== null && key !== argsKey;
  const running = busy?.op === 'matrix';

  // the first visit computes it: the view is the answer, not a form
  useEffect(() => {
    const s = store.getState();
    if (ready && !s.matrix && !s.busy && !s.matrixError) void s.runMatrix();
  }, [ready, store]);

  const tag = m ? `${m.guest.name}-seed${m.seed}` : '';
  const secretNames = m?.columns[0]?.secrets.map((x) => x.name) ?? [];

  return (
    <main className="matrix-view" aria-labelledby="matrix-h">
      <div className="matrix-head">
        <h2 id="matrix-h">Mitigation matrix</h2>
        <p className="matrix-params">
          {m ? (
            <>
              guest <strong>{m.guest.name}</strong> · {m.clones} clones × {m.draws} draws · seed{' '}
              <strong>{m.seed}</strong> · δ = {m.delayUs} µs · {m.memoryMiB} MiB
            </>
          ) : (
            <>
              guest <strong>{args.guest}</strong> · {args.clones} clones × {args.draws} draws · seed{' '}
              <strong>{args.seed}</strong>
            </>
          )}
        </p>
        <div className="matrix-actions">
          <button
            className="primary"
            disabled={!ready || !!busy}
            onClick={() => void store.getState().runMatrix()}
            title="run every configuration again with the lab's guest, clones, draws, seed and δ"
          >
            {m ? 'Run again' : 'Run matrix'}
          </button>
          <button disabled={!m} onClick={() => m && download(`matrix-${tag}.csv`, csvBlob(matrixToCsv(m)))}>
            Export CSV
          </button>
          <button
            disabled={!m}
            onClick={() => m && download(`matrix-${tag}.svg`, svgBlob(matrixToSvg(m, { theme })))}
          >
            Export SVG
          </button>
          <button className="back" onClick={() => store.getState().setView('lab')}>
            Back to the lab
          </button>
        </div>
      </div>
      {stale && !running && (
        <p className="hint warn">
          The lab's settings changed since this matrix ran (guest, clones, draws, seed, δ or memory): Run
          again to measure them.
        </p>
      )}
      {error && (
        <p className="hint warn" role="alert">
          {error}
        </p>
      )}
      {!m && running && <p className="empty">Running every configuration… (progress and Cancel above)</p>}
      {m && (
        <div className="matrix-scroll">
          <table className="matrix-table" aria-labelledby="matrix-h">
            <caption className="sr-only">
              Verdict per library and configuration; press a cell to open it in the lab
            </caption>
            <thead>
              <tr>
                <th scope="col">library</th>
                {m.columns.map((c, i) => (
                  <th key={c.id} scope="col" title={c.description} className={i < 3 ? 'truth' : undefined}>
                    {c.title}
                    <span className="col-secrets">
                      {secretsLine(c.secrets.filter((x) => x.inSnapshot).length, c.secrets.length)}
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {m.rows.map((lib, r) => (
                <tr key={lib}>
                  <th scope="row" className="mono">
                    {lib}
                  </th>
                  {m.cells[r]!.map((cell, c) => {
                    const inFile = cell.secrets.filter((x) => x.inSnapshot).length;
                    const col = m.columns[c]!;
                    return (
                      <td key={cell.column} className={`m-cell ${VERDICT_CLASS[cell.verdict]}`}>
                        <button
                          className="m-button"
                          data-verdict={cell.verdict}
                          disabled={!!busy}
                          aria-label={`${lib}, ${col.title}: ${MATRIX_VERDICT_WORDS[cell.verdict].word}, ${count(cell.duplicates)} duplicates, ${firstUnique(cell)}, ${nsText(cell.nsPerCall)} ns per call, ${inFile} of ${cell.secrets.length} secrets in the snapshot file. Open in the lab`}
                          title={`${cell.pattern}${cell.reseeds ? ` · ${cell.reseeds} reseeds` : ''}${cell.aborts ? ` · ${cell.aborts} aborted calls` : ''}`}
                          onClick={() => void store.getState().openMatrixCell(r, c)}
                        >
                          <span className="m-verdict">
                            <span aria-hidden="true">{MATRIX_VERDICT_WORDS[cell.verdict].glyph}</span>{' '}
                            {MATRIX_VERDICT_WORDS[cell.verdict].word}
                          </span>
                          <span className="m-facts">
                            dup <strong>{count(cell.duplicates)}</strong> · {nsText(cell.nsPerCall)} ns
                          </span>
                          <span className="m-facts">
                            {shortUnique(cell)} ·{' '}
                            {inFile === 0 ? '✓ 0 in file' : `⚠ ${inFile}/${cell.secrets.length}`}
                          </span>
                        </button>
                        <WhyVerdict
                          subject={`${lib}, ${col.title}`}
                          verdict={cell.verdict}
                          reason={cell.reason}
                          compact
                        />
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
            <tfoot>
              {secretNames.map((name) => (
                <tr key={name}>
                  <th scope="row" className="mono" title="a secret of the guest: is it in the snapshot file?">
                    {name}
                  </th>
                  {m.columns.map((col) => {
                    const s = col.secrets.find((x) => x.name === name);
                    return (
                      <td key={col.id} className={s?.inSnapshot ? 'secret-in' : 'secret-out'}>
                        {s?.inSnapshot ? '⚠ in the snapshot file' : '✓ absent (wiped)'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tfoot>
          </table>
          <p className="hint">
            {(Object.keys(MATRIX_VERDICT_WORDS) as MatrixVerdict[])
              .map(
                (v) =>
                  `${MATRIX_VERDICT_WORDS[v].glyph} ${MATRIX_VERDICT_WORDS[v].word}: ${MATRIX_VERDICT_WORDS[v].says}`,
              )
              .join(' · ')}{' '}
            · ⚠ k/n: secrets in the snapshot file · every configuration runs on kernel 6.11, once per vCPU ·
            press a cell to open it in the lab
          </p>
        </div>
      )}
    </main>
  );
}
