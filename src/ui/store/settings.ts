// Settings slice: the guest and every knob a person sets before Boot / Restore / Draw, plus the
// one function that turns them into the boot request (kernel features are fixed at boot).

import type { BootOptions } from '../../core/lab/api';
import { LIBRARY_IDS, type GuestManifest } from '../../core/lab/types';
import type { KernelToggles, SettingsSlice, SliceCreator } from './types';

/** The guest preselected on first load: default.json if listed, else the first valid entry. */
export function defaultGuestFile(guests: SettingsSlice['guests']): string | null {
  const valid = guests.filter((g) => g.manifest);
  return (valid.find((g) => /(^|\/)default\.json$/.test(g.file)) ?? valid[0])?.file ?? null;
}

function togglesOf(m: GuestManifest): KernelToggles {
  return {
    vmgenid: m.kernel.vmgenid,
    sysgenid: m.kernel.sysgenid !== 'off',
    wipeOnSuspend: m.kernel.wipeOnSuspend,
    vdsoGetrandom: m.kernel.vdsoGetrandom,
    jitterEntropy: m.kernel.jitterEntropy,
    agentReseed: m.kernel.agentReseed,
  };
}

export const initialSettings = {
  guests: [],
  guestsError: null,
  guestFile: null,
  kernel: {
    vmgenid: false,
    sysgenid: false,
    wipeOnSuspend: false,
    vdsoGetrandom: true,
    jitterEntropy: false,
    agentReseed: false,
  },
  library: 'guest',
  processLibraries: [],
  consumer: 'guest',
  clones: 4,
  draws: 16,
  notifyDelayUs: 50,
  snapshotType: 'full',
  seed: 1234,
  memoryMiB: 128,
  touchCount: 64,
  lazy: false,
} satisfies Partial<SettingsSlice>;

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get) => ({
  ...initialSettings,
  setGuests: (guests, guestsError) => {
    set({ guests, guestsError });
    const file = get().guestFile ?? defaultGuestFile(guests);
    if (file) get().selectGuest(file);
  },
  selectGuest: (file) => {
    const m = get().guests.find((g) => g.file === file)?.manifest;
    if (!m) return;
    set({
      guestFile: file,
      kernel: togglesOf(m),
      library: 'guest',
      processLibraries: m.processes.map((p) => p.library),
      memoryMiB: m.memoryMiB,
    });
  },
  setKernel: (key, value) => set({ kernel: { ...get().kernel, [key]: value } }),
  setLibrary: (library) => set({ library }),
  setProcessLibrary: (index, library) => {
    const next = get().processLibraries.slice();
    next[index] = library;
    set({ processLibraries: next, library: 'guest' });
  },
  setSetting: (key, value) => set({ [key]: value } as Partial<SettingsSlice>),
  setConsumer: (consumer) => set({ consumer }),
  setSnapshotType: (snapshotType) => set({ snapshotType }),
  setLazy: (lazy) => set({ lazy }),
});

/** The boot request the settings describe, or a message naming what is missing. */
export function bootRequest(
  s: SettingsSlice,
): { guest: GuestManifest; opts: BootOptions } | { error: string } {
  const base = s.guests.find((g) => g.file === s.guestFile)?.manifest;
  if (!base) return { error: 'guest: no valid guest manifest is selected' };
  const k = s.kernel;
  const guest: GuestManifest = {
    ...base,
    kernel: {
      ...base.kernel,
      vmgenid: k.vmgenid,
      sysgenid: k.sysgenid ? (base.kernel.sysgenid === 'off' ? 'vmgenid' : base.kernel.sysgenid) : 'off',
      wipeOnSuspend: k.wipeOnSuspend,
      vdsoGetrandom: k.vdsoGetrandom,
      jitterEntropy: k.jitterEntropy,
      agentReseed: k.agentReseed,
    },
    processes: base.processes.map((p, i) => ({
      ...p,
      library: s.processLibraries[i] ?? p.library,
      consumer: s.consumer === 'guest' ? p.consumer : s.consumer,
    })),
  };
  const opts: BootOptions = { seed: s.seed, memoryMiB: s.memoryMiB };
  if (s.library !== 'guest') {
    opts.libraries = s.library === 'all' ? [...LIBRARY_IDS] : [s.library];
    if (s.consumer !== 'guest') opts.consumer = s.consumer;
  }
  return { guest, opts };
}

/** A fingerprint of the boot-time settings, to tell when the fleet no longer matches them. */
export function bootFingerprint(s: SettingsSlice): string {
  return JSON.stringify([
    s.guestFile,
    s.kernel,
    s.library,
    s.processLibraries,
    s.consumer,
    s.seed,
    s.memoryMiB,
  ]);
}
