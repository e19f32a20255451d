// The Export menu: the memory maps, the race-window timeline and the collision heat-map as PNG and
// SVG, and the last draw's outputs and metrics as JSON and CSV. Files are made in the page
// (lib/exportViews.ts) and downloaded (lib/download.ts) with a name that says what and which seed.
// The draw's files carry the session's whole history (settings and actions): the JSON runs again
// with `uniqueness-lab run --settings FILE`.

import { useRef, useState } from 'react';
import { csvBlob, download, jsonBlob, svgBlob } from '../lib/download';
import {
  canvasPng,
  canvasSvg,
  heatmapSvg,
  metricsCsv,
  outputsCsv,
  outputsJson,
  standaloneSvg,
  svgToPng,
  type ExportHistory,
} from '../lib/exportViews';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';

const selectHas = (s: LabState) =>
  `${s.mapA ? 'a' : ''}${s.mapB ? 'b' : ''}${s.lastDraw ? 'd' : ''}${s.timeline.length ? 't' : ''}`;

interface Item {
  label: string;
  enabled: boolean;
  run(): Promise<void>;
}

export function ExportMenu() {
  const store = useLabStore();
  const has = useLab(selectHas);
  const menu = useRef<HTMLDetailsElement>(null);
  const [error, setError] = useState<string | null>(null);

  const s = () => store.getState();
  const tag = () => {
    const v = s().session?.settings;
    return v ? `${v.guest}-seed${v.seed}` : 'lab';
  };
  const history = (): ExportHistory => {
    const v = s().session!;
    return { settings: v.initial, actions: v.log };
  };
  const mapCanvas = (side: 'a' | 'b') =>
    document.querySelector<HTMLCanvasElement>(`canvas[data-side="${side}"]`);
  const mapCaption = (side: 'a' | 'b'): string[] => {
    const m = side === 'a' ? s().mapA : s().mapB;
    const c = mapCanvas(side);
    const desc = c?.getAttribute('aria-describedby');
    const text = desc ? (document.getElementById(desc)?.textContent ?? '') : '';
    return [`Uniqueness Lab · memory map of vm ${m?.vm ?? '?'} (${tag()})`, text];
  };
  const timelineSvg = () => {
    const svg = document.querySelector<SVGSVGElement>('section[aria-labelledby="timeline-h"] svg');
    if (!svg) throw new Error('the timeline is not shown');
    return standaloneSvg(svg, `Uniqueness Lab · race window of vm ${s().timelineVm ?? '?'} (${tag()})`);
  };
  const heat = () => {
    const d = s().lastDraw!;
    const lib = d.libraries[s().outputsLibrary] ?? d.libraries[0]!;
    return heatmapSvg(lib, d.vms, `Uniqueness Lab · VM × VM collisions of ${lib.library} (${tag()})`);
  };

  const items: Item[] = [];
  for (const side of ['a', 'b'] as const) {
    const on = has.includes(side);
    const name = `Memory map ${side.toUpperCase()}`;
    items.push(
      {
        label: `${name} · PNG`,
        enabled: on,
        run: async () => download(`memory-map-${side}-${tag()}.png`, await canvasPng(mapCanvas(side)!)),
      },
      {
        label: `${name} · SVG`,
        enabled: on,
        run: async () =>
          download(`memory-map-${side}-${tag()}.svg`, svgBlob(canvasSvg(mapCanvas(side)!, mapCaption(side)))),
      },
    );
  }
  const t = has.includes('t');
  const d = has.includes('d');
  items.push(
    {
      label: 'Timeline · SVG',
      enabled: t,
      run: async () => download(`timeline-${tag()}.svg`, svgBlob(timelineSvg())),
    },
    {
      label: 'Timeline · PNG',
      enabled: t,
      run: async () => download(`timeline-${tag()}.png`, await svgToPng(timelineSvg())),
    },
    {
      label: 'Heat-map · SVG',
      enabled: d,
      run: async () => download(`heatmap-${tag()}.svg`, svgBlob(heat())),
    },
    {
      label: 'Heat-map · PNG',
      enabled: d,
      run: async () => download(`heatmap-${tag()}.png`, await svgToPng(heat())),
    },
    {
      label: 'Outputs · JSON',
      enabled: d,
      run: async () => download(`outputs-${tag()}.json`, jsonBlob(outputsJson(s().lastDraw!, history()))),
    },
    {
      label: 'Outputs · CSV',
      enabled: d,
      run: async () => download(`outputs-${tag()}.csv`, csvBlob(outputsCsv(s().lastDraw!, history()))),
    },
    {
      label: 'Metrics · CSV',
      enabled: d,
      run: async () => download(`metrics-${tag()}.csv`, csvBlob(metricsCsv(s().lastDraw!, history()))),
    },
  );

  return (
    <details className="export-menu" ref={menu}>
      <summary>Export</summary>
      <div className="export-items" role="group" aria-label="Export files">
        {items.map((it) => (
          <button
            key={it.label}
            className="small"
            disabled={!it.enabled}
            onClick={() => {
              setError(null);
              it.run().then(
                () => menu.current?.removeAttribute('open'),
                (e: unknown) => setError(`Export failed: ${e instanceof Error ? e.message : String(e)}`),
              );
            }}
          >
            {it.label}
          </button>
        ))}
        {!d && <p className="hint">Draw first: the exports show the last draw.</p>}
        {error && <p role="alert">{error}</p>}
      </div>
    </details>
  );
}
