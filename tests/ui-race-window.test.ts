// The race window's caption (src/ui/lib/raceWindow.ts) held to the run it describes: from real
// runs on the SessionHost, the caption names the event that closed the window and its time, or,
// when the draws ended first, says so and what closes it later; it never says the window "never
// closes". And the entropy ledger's words under it (EntropyLedger ledgerWords).

import { describe, expect, it } from 'vitest';
import { resolveSettings, type SettingsPatch } from '../src/core/settings/settings';
import { raceWindow } from '../src/ui/lib/raceWindow';
import { ledgerWords } from '../src/ui/panels/EntropyLedger';
import { newHost } from './ui-setup';

async function run(guest: string, patch: SettingsPatch) {
  const host = await newHost();
  const settings = resolveSettings(host.catalog.get(guest)!, { seed: 7, ...patch });
  const a = host.act({
    settings,
    actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
    fresh: true,
  });
  expect(a.error).toBeNull();
  const b = a.bundle;
  const vm = b.selection.vm!;
  const w = raceWindow({
    events: b.timeline,
    vmgenidDriver: b.session.settings.vmgenid,
    notifyAtNs: b.devices.find((d) => d.vm === vm)?.notifyAtNs ?? null,
    kernel: b.session.settings.kernel,
  });
  return { w, draw: b.draw!, vm };
}

describe('the race window caption', () => {
  it('no driver, draws over in microseconds: the draws ended first; the scheduled reseed closes it later', async () => {
    const { w } = await run('default', {});
    expect(w.end).toBeNull();
    expect(w.lastDraw).not.toBeNull();
    expect(w.caption).not.toMatch(/never/);
    expect(w.caption).toMatch(/the draws ended at \+\d+(\.\d+)? µs before any reseed/);
    expect(w.caption).toMatch(/no vmgenid driver acts on it/);
    expect(w.caption).toMatch(/the kernel's scheduled reseed closes it later, at the first request/);
  });

  it('δ longer than the draws: they ended before the notification, which closes the window then', async () => {
    const { w } = await run('linux-6.11-vmgenid', { notifyDelayUs: 1000, drawIntervalUs: 5, draws: 16 });
    expect(w.end).toBeNull();
    expect(w.caption).not.toMatch(/never/);
    expect(w.caption).toMatch(/before the guest handled the VMGenID notification \(due at \+1 ms\)/);
    expect(w.caption).toMatch(/the notification closes it then/);
  });

  it('δ inside the draws: the CRNG reseed at δ closes it, with its time', async () => {
    const { w } = await run('linux-6.11-vmgenid', { notifyDelayUs: 40, drawIntervalUs: 5, draws: 16 });
    expect(w.endKind).toBe('crng-reseed');
    expect(w.end! - w.start!).toBe(40_000);
    expect(w.caption).toMatch(/the kernel CRNG is reseeded at \+40 µs: 40 µs in which clones share/);
  });

  it("no driver, draws a second apart: the kernel's scheduled reseed closes it", async () => {
    const { w, draw, vm } = await run('default', { drawIntervalUs: 1_000_000, draws: 60 });
    expect(w.endKind).toBe('periodic-reseed');
    expect(w.caption).toMatch(/the kernel's scheduled reseed runs at \+\d+(\.\d+)? s/);
    // the ledger beside it: getrandom's 256 bits came from that reseed, from the draw it names
    const lib = draw.libraries.find((l) => l.library === 'getrandom')!;
    const bits = lib.freshEntropyBits[draw.vms.indexOf(vm)]!;
    expect(bits).toBeGreaterThanOrEqual(128);
    expect(ledgerWords(lib, bits)).toBe(
      `from the kernel's scheduled reseed; safe from draw #${lib.firstSafeDraw}`,
    );
    const naive = draw.libraries.find((l) => l.library === 'naive')!;
    expect(ledgerWords(naive, 0)).toMatch(/^nothing unknown since restore/);
    const ossl = draw.libraries.find((l) => l.library === 'openssl-1.1.1')!;
    expect(ledgerWords(ossl, 0)).toMatch(/each call adds \d+ timer bits an attacker can search/);
  });
});
