// The app's layout: which panel goes where (UX.md sketch). Each panel is its own component and
// reads the store itself; this file holds no state. The stylesheets place the panels: three
// columns for the lab; in presenter mode and embedded (?embed) the columns dissolve and the step's
// panel takes the main area (present.css). When a step outlines a panel, it is scrolled into view;
// after a Draw the outputs are (on a 1280 x 720 projector the column cannot hold every panel).

import { useEffect } from 'react';
import { ControlsPanel } from './panels/ControlsPanel';
import { DevicesPanel } from './panels/DevicesPanel';
import { Header } from './panels/Header';
import { LineagePanel } from './panels/LineagePanel';
import { MemoryPanel } from './panels/MemoryPanel';
import { MetricsPanel } from './panels/MetricsPanel';
import { OutputsPanel } from './panels/OutputsPanel';
import { StatusBar } from './panels/StatusBar';
import { TimelinePanel } from './panels/TimelinePanel';
import { LinkAlert } from './panels/LinkAlert';
import { MatrixView } from './panels/MatrixView';
import { ScenarioBar } from './panels/ScenarioBar';
import { RealKernelPanel } from './real/RealKernelPanel';
import { useLab, useLabStore } from './store/context';
import { highlightOf } from './store/presentSlice';
import type { LabState } from './store/types';
import { Glossary } from './view/Glossary';
import { Orientation } from './view/Orientation';

const selectView = (s: LabState) => s.view;
const selectStep = (s: LabState) => (s.active?.result ? s.active.step : -1);
const selectPresenting = (s: LabState) => s.presenting;
const selectDraw = (s: LabState) => s.lastDraw;

/** Scrolls a panel into view within its column (never the page), after the next paint. */
function reveal(labelledBy: string): () => void {
  const frame = requestAnimationFrame(() =>
    document
      .querySelector(`section[aria-labelledby="${labelledBy}"]`)
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' }),
  );
  return () => cancelAnimationFrame(frame);
}

/** The section a highlight outlines (present.css draws the outline). */
const HIGHLIGHTED: Record<string, string> = {
  outputs: 'outputs-h',
  memory: 'memory-h',
  secrets: 'memory-h',
  devices: 'devices-h',
  timeline: 'timeline-h',
  lineage: 'lineage-h',
};

export function App() {
  const view = useLab(selectView);
  const highlight = useLab(highlightOf);
  const step = useLab(selectStep);
  const presenting = useLab(selectPresenting);
  const draw = useLab(selectDraw);
  const store = useLabStore();

  // the step's panel in view: its column scrolls to it
  useEffect(() => {
    const id = highlight ? HIGHLIGHTED[highlight] : undefined;
    if (!id || step < 0) return;
    return reveal(id);
  }, [highlight, step, presenting]);

  // a new draw (not a step's: the step shows its own panel): the outputs in view
  useEffect(() => {
    if (!draw || store.getState().active) return;
    return reveal('outputs-h');
  }, [draw, store]);

  return (
    <div className="app" data-highlight={highlight ?? undefined} data-view={view}>
      <Header />
      <StatusBar />
      <LinkAlert />
      {view === 'matrix' && <MatrixView />}
      <main className="workspace" hidden={view === 'matrix'}>
        <div className="column left">
          <ControlsPanel />
        </div>
        <div className="center">
          <LineagePanel />
          <MemoryPanel />
          <OutputsPanel />
          <RealKernelPanel />
        </div>
        <div className="column right">
          <DevicesPanel />
          <MetricsPanel />
          <TimelinePanel />
        </div>
        <Orientation />
      </main>
      <ScenarioBar />
      <Glossary />
    </div>
  );
}
