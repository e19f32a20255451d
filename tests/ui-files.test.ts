// Snapshot files in the store, over the real wasm core: a file out and back in (the worker's
// addFile, then a 'load' action in the session log) restores clones that draw what the
// original's drew; a refused file changes nothing; the secret scan shows MADV_WIPEONSUSPEND
// keeping a flagged secret out of the file; and a lab with a file replays with its bytes.

import { describe, expect, it } from 'vitest';
import { outputText } from '../src/core/lab/draw';
import type { DrawResult } from '../src/core/lab/types';
import type { LabStore } from '../src/ui/store/store';
import { journey, newStore } from './ui-setup';

const texts = (d: DrawResult) =>
  d.libraries.map((l) =>
    Array.from({ length: l.clones }, (_, c) =>
      Array.from({ length: l.draws }, (_, k) => outputText(l, c, k)),
    ),
  );

/**
 * The selected snapshot as file bytes, through the Download button's action: its Blob is caught
 * where the download helper hands it to the page (Node has no document to click a link in).
 */
async function fileOf(store: LabStore): Promise<Uint8Array> {
  const snap = store.getState().selection.snapshot!;
  const blobs: Blob[] = [];
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = ((b: Blob) => (blobs.push(b), 'blob:test')) as typeof URL.createObjectURL;
  const g = globalThis as unknown as { document?: unknown };
  g.document = { createElement: () => ({ click() {}, remove() {}, style: {} }), body: { append() {} } };
  try {
    await store.getState().downloadSnapshot();
  } finally {
    URL.createObjectURL = createObjectURL;
    delete g.document;
  }
  expect(store.getState().lastDownload?.name).toBe(`uniqueness-lab-snap-${snap}.ulsnap`);
  return new Uint8Array(await blobs[0]!.arrayBuffer());
}

describe('snapshot files in the store', () => {
  it('a file opened in a fresh lab restores clones that draw exactly what the original clones drew', async () => {
    const a = await newStore();
    const before = await journey(a, 4, 16);
    const bytes = await fileOf(a);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x55, 0x4c, 0x53, 0x4e, 0x50, 0x0d, 0x0a]);

    const b = await newStore();
    await b
      .getState()
      .openSnapshotFile(new File([bytes as Uint8Array<ArrayBuffer>], 'uniqueness-lab-snap-0.ulsnap'));
    const s = b.getState();
    expect(s.notice?.text).toMatch(
      /^Opened uniqueness-lab-snap-0\.ulsnap: snap #0, guest "default" \(128 MiB, 1 layer, saved with seed 1\)/,
    );
    expect(s.snapshotOrigins).toEqual({ 0: 'uniqueness-lab-snap-0.ulsnap' });
    expect(s.session!.log).toEqual([{ a: 'load', file: s.session!.files[0]!.id }]);
    expect(Object.keys(s.knownFiles)).toEqual([s.session!.files[0]!.id]);
    await b.getState().restore();
    b.getState().setSetting('draws', 16);
    await b.getState().draw();
    const after = b.getState().lastDraw!;
    expect(texts(after)).toEqual(texts(before.lastDraw!));
  });

  it('a refused file is one notice with the decoder message, and the lab stays as it was', async () => {
    const store = await newStore();
    const a = store.getState();
    await a.boot();
    await a.snapshot();
    const before = store.getState();
    await a.openSnapshotFile(new File([new TextEncoder().encode('not a snapshot at all')], 'notes.txt'));
    const s = store.getState();
    expect(s.notice).toEqual({
      tone: 'error',
      text: expect.stringMatching(
        /^Opening notes\.txt refused: not a uniqueness-lab snapshot file: it starts with 6e 6f 74/,
      ),
    });
    expect(s.vms).toEqual(before.vms);
    expect(s.snapshots).toEqual(before.snapshots);
    expect(s.session!.log).toEqual(before.session!.log);
    expect(s.storageStatus).toBe('unavailable'); // no IndexedDB in Node: nothing is kept, and it says so
  });

  it('a cancelled draw in a lab with an opened file rebuilds it, the file given again from the page', async () => {
    const a = await newStore();
    await journey(a, 2, 2);
    const bytes = await fileOf(a);
    const b = await newStore();
    await b.getState().openSnapshotFile(new File([bytes as Uint8Array<ArrayBuffer>], 'x.ulsnap'));
    await b.getState().restore();
    await b.getState().draw();
    const before = b.getState();
    const pending = b.getState().draw();
    b.getState().cancel();
    await pending;
    const s = b.getState();
    expect(s.notice?.text).toMatch(/rebuilt from its seed/);
    expect(s.vms).toEqual(before.vms);
    expect(texts(s.lastDraw!)).toEqual(texts(before.lastDraw!));
    expect(s.snapshotOrigins).toEqual({ 0: 'x.ulsnap' });
  });

  it('the scan finds both secrets in the file; with MADV_WIPEONSUSPEND the flagged one is absent', async () => {
    const store = await newStore();
    const a = store.getState();
    await a.boot();
    await a.snapshot();
    await a.scanSnapshotSecrets(0);
    let scan = store.getState().secretScan!;
    expect(scan.kernelWipeOnSuspend).toBe(false);
    for (const x of scan.secrets) expect(x).toMatchObject({ inFile: true, occurrences: 1 });
    a.setSetting('wipeOnSuspend', true);
    await a.boot();
    await a.snapshot();
    await a.scanSnapshotSecrets(0);
    scan = store.getState().secretScan!;
    expect(scan.kernelWipeOnSuspend).toBe(true);
    expect(scan.wipedPages).toBeGreaterThan(0);
    const by = Object.fromEntries(scan.secrets.map((x) => [x.name, x]));
    expect(by['tls-session-key']).toMatchObject({ wipeOnSuspend: true, inFile: false, occurrences: 0 });
    expect(by['db-password']).toMatchObject({ wipeOnSuspend: false, inFile: true, occurrences: 1 });
  });

  it("a link naming a file this page never had is refused, naming the missing file's id", async () => {
    const a = await newStore();
    await journey(a, 2, 2);
    const bytes = await fileOf(a);
    const b = await newStore();
    await b.getState().openSnapshotFile(new File([bytes as Uint8Array<ArrayBuffer>], 'x.ulsnap'));
    const hash = await b.getState().currentHash();
    const c = await newStore();
    await c.getState().openHash(hash);
    expect(c.getState().linkAlert).toMatch(/was not given to this lab: open it first/);
    expect(c.getState().vms).toEqual([]);
  });
});
