// Entry: starts the lab worker (told where the guest files are: beside the page, wherever it is
// served), builds the store around it, installs the read-only test API and the view preferences,
// and renders the app.

import './csp';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startLinks } from './liveLink';
import { guestFolder } from './lib/scenarios';
import { StoreProvider } from './store/context';
import { createLabStore } from './store/store';
import './styles.css';
import './present.css';
import { installTestApi } from './testApi';
import { installViewPrefs } from './view/prefs';
import { LabClient, workerTransport } from './worker/client';

const client = new LabClient(
  workerTransport(
    () => new Worker(new URL('./worker/lab.worker.ts', import.meta.url), { type: 'module' }),
    guestFolder(),
  ),
);
const store = createLabStore(client);
installTestApi(client, store);
// theme, Large type, presenter mode and ?embed before the first paint
installViewPrefs(store);
// a link in the address bar is replayed on the fresh core before anything else runs
startLinks(store, store.getState().init());

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
