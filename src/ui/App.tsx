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

export function App() {
  return (
    <div className="app">
      <Header />
      <StatusBar />
      <main className="workspace">
        <div className="column left">
          <ControlsPanel />
        </div>
        <div className="center">
          <LineagePanel />
          <MemoryPanel />
          <OutputsPanel />
        </div>
        <div className="column right">
          <DevicesPanel />
          <MetricsPanel />
          <TimelinePanel />
        </div>
      </main>
    </div>
  );
}
