// The Export menu: the memory maps, the race-window timeline and the collision heat-map as PNG and
// SVG, and the last draw's outputs and metrics as JSON and CSV. Files are made in the page
// (lib/exportViews.ts) and downloaded (lib/download.ts) with a name that says what and which seed.
// The draw's files carry the session's whole history (settings and actions): the JSON runs again
// with `uniqueness-lab run --settings FILE`. For talks: the screen as a 1920 x 1080 slide (in
// presenter mode), and the active scenario as a WebM video (view/record.ts).
// A menu, not a dialog: Esc or a press outside closes it, and opening it closes the link box.

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
import { mapForExport } from './MemoryMapCanvas';
import type { LabState } from '../store/types';
import { captureSlide, painted } from '../view/capture';
import { HOLD_LIMITS, recordScenario, webmType } from '../view/record';
import { NumberField } from '../widgets/NumberField';
import { useDismiss } from '../widgets/useDismiss';

const selectHas = (s: LabState) =>
  `${s.mapA ? 'a' : ''}${s.mapB ? 'b' : ''}${s.lastDraw ? 'd' : ''}${s.timeline.length ? 't' : ''}${s.active ? 's' : ''}${s.busy || s.recording ? 'x' : ''}`;
const selectOpen = (s: LabState) => s.menu === 'export';

interface Item {
  label: string;
  enabled: boolean;
  run(): Promise<void>;
}

export function ExportMenu() {
  const store = useLabStore();
  const has = useLab(selectHas);
  const open = useLab(selectOpen);
  const panel = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [hold, setHold] = useState<number>(HOLD_LIMITS.default);
  // the field's text when it is not a value within its limits: then nothing records
  const [holdText, setHoldText] = useState<string | undefined>(undefined);
  const close = () => store.getState().setMenu(null);
  useDismiss(open, close, [panel, toggle], toggle);

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
  /** The map at a slide's resolution (the screen's canvas is a few hundred pixels wide). */
  const mapPicture = (side: 'a' | 'b') => {
    const c = mapForExport(side) ?? mapCanvas(side);
    if (!c) throw new Error(`memory map ${side.toUpperCase()} is not shown`);
    return c;
  };
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
  /** The screen in presenter mode, as a 1920 x 1080 slide. */
  const slide = async () => {
    const was = s().presenting;
    close();
    s().setPresenting(true);
    try {
      await painted();
      const app = document.querySelector<HTMLElement>('.app');
      if (!app) throw new Error('the lab is not on the page');
      return await canvasPng(await captureSlide(app));
    } finally {
      s().setPresenting(was);
    }
  };
  const slideName = () => {
    const a = s().active;
    return a && a.step >= 0 ? `slide-${a.scenario.id}-step${a.step + 1}-${tag()}.png` : `slide-${tag()}.png`;
  };
  const video = async () => {
    const a = s().active!;
    close();
    const blob = await recordScenario(store, hold);
    download(`scenario-${a.scenario.id}-${tag()}.webm`, blob);
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
        run: async () => download(`memory-map-${side}-${tag()}.png`, await canvasPng(mapPicture(side))),
      },
      {
        label: `${name} · SVG`,
        enabled: on,
        run: async () =>
          download(`memory-map-${side}-${tag()}.svg`, svgBlob(canvasSvg(mapPicture(side), mapCaption(side)))),
      },
    );
  }
  const t = has.includes('t');
  const d = has.includes('d');
  const busy = has.includes('x');
  const canRecord = has.includes('s') && !busy && webmType() !== null && holdText === undefined;
  items.push(
    {
      label: 'Slide · PNG 1920×1080',
      enabled: !busy,
      run: async () => download(slideName(), await slide()),
    },
    {
      label: 'Scenario · video (WebM)',
      enabled: canRecord,
      run: video,
    },
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
    <span className="export-menu">
      <button
        ref={toggle}
        className="menu-button"
        aria-expanded={open}
        aria-controls="export-items"
        onClick={() => store.getState().setMenu(open ? null : 'export')}
      >
        Export
      </button>
      {open && (
        <div className="export-items" id="export-items" role="group" aria-label="Export files" ref={panel}>
          {items.map((it) => (
            <button
              key={it.label}
              className="small"
              disabled={!it.enabled}
              onClick={() => {
                setError(null);
                it.run().then(
                  () => store.getState().menu === 'export' && close(),
                  (e: unknown) => {
                    store.getState().setMenu('export');
                    setError(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
                  },
                );
              }}
            >
              {it.label}
            </button>
          ))}
          <NumberField
            className="hold"
            label="Seconds per step"
            value={hold}
            min={HOLD_LIMITS.min}
            max={HOLD_LIMITS.max}
            limit={`${HOLD_LIMITS.min} to ${HOLD_LIMITS.max} s`}
            help="how long the video shows each step of the scenario"
            typed={holdText}
            onTyped={(t) => setHoldText(t ?? undefined)}
            onChange={setHold}
          />
          <p className="hint">
            {!has.includes('s')
              ? 'The video records a scenario: start one first (bar at the bottom). '
              : webmType() === null
                ? 'This browser cannot record WebM video. '
                : ''}
            {!d ? 'Draw first: the other exports show the last draw.' : ''}
          </p>
          {error && <p role="alert">{error}</p>}
        </div>
      )}
    </span>
  );
}
