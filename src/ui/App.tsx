// The app's layout: which panel goes where (UX.md sketch). Each panel is its own component and
// reads the store itself; this file holds no state.

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
import { useLab } from './store/context';
import { highlightOf } from './store/presentSlice';
import type { LabState } from './store/types';

const selectView = (s: LabState) => s.view;

export function App() {
  const view = useLab(selectView);
  const highlight = useLab(highlightOf);
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
      </main>
      <ScenarioBar />
    </div>
  );
}
