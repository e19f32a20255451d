import { useEffect, useState } from 'react';
import { loadCoreBrowser } from '../core/load/browser';

/** The app shell: title and the core's version, proving the wasm core loads in the page. */
export function App() {
  const [version, setVersion] = useState<string>('loading…');
  useEffect(() => {
    loadCoreBrowser().then(
      (core) => setVersion(String(core.coreVersion())),
      (e: unknown) => setVersion(`failed: ${String(e)}`),
    );
  }, []);
  return (
    <main>
      <h1>Uniqueness Lab</h1>
      <p>
        core version <span data-testid="core-version">{version}</span>
      </p>
    </main>
  );
}
