// Helpers for the snapshot-file e2e tests: download the selected snap, open a file through the
// browser's file chooser or by dropping it on the lineage, the fleet as the core sees it, and
// damaged copies of a good file made the way real damage happens (flipped bytes, a cut, another
// magic or version), with the CRC-64 made good again where the damage must get past it.

import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { crc64 } from '../src/core/snapfile/crc64';
import { expect, type LabPage } from './fixtures';

export interface Fleet {
  vms: Array<{ id: number; origin: string; state: string; restoredFrom: number | null }>;
  snapshots: Array<{ id: number; type: string; parent: number | null; clones: number }>;
  stats: { guestFrames: number; metaFrames: number; frameLimit: number };
}

export const fleet = (lab: LabPage) => lab.api((l) => l.fleet()) as Promise<Fleet>;

/** Clicks "Download snap #N" and returns the downloaded file's name and bytes. */
export async function downloadSnap(page: Page): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Download snap #\d+$/ }).click(),
  ]);
  return {
    name: download.suggestedFilename(),
    bytes: new Uint8Array(await readFile((await download.path())!)),
  };
}

/** Opens bytes as a file through "Open .ulsnap file…" and the browser's file chooser. */
export async function openFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Open .ulsnap file…' }).click(),
  ]);
  await chooser.setFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
}

/** Drops bytes as a file onto the lineage panel. */
export async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, base64 }) => {
      const text = atob(base64);
      const data = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) data[i] = text.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: 'application/octet-stream' }));
      return dt;
    },
    { name, base64: Buffer.from(bytes).toString('base64') },
  );
  const lineage = page.getByRole('region', { name: /^Lineage/ });
  await lineage.dispatchEvent('dragenter', { dataTransfer: transfer });
  await lineage.dispatchEvent('dragover', { dataTransfer: transfer });
  await expect(page.getByText('Drop a .ulsnap file to open it as a new snap')).toBeVisible();
  await lineage.dispatchEvent('drop', { dataTransfer: transfer });
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const setU32 = (b: Uint8Array, at: number, v: number) =>
  new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);

/** Writes the CRC-64 of everything before the trailer into the trailer. */
export function fixChecksum(b: Uint8Array): Uint8Array {
  const end = b.length - 8;
  const hex = crc64(b.subarray(0, end));
  setU32(b, end, parseInt(hex.slice(8), 16));
  setU32(b, end + 4, parseInt(hex.slice(0, 8), 16));
  return b;
}

/** Where layer 0's page index starts (after the header and the padded JSON). */
function layer0Index(b: Uint8Array): number {
  const json = u32(b, 24);
  return 32 + ((json + 7) & ~7) + 24;
}

/** One damaged copy per class of bad file, each with the decoder message it must produce. */
export function badFiles(good: Uint8Array): Array<{ what: string; bytes: Uint8Array; message: RegExp }> {
  const copy = () => good.slice();
  const magic = copy();
  magic[1] = 0x56;
  const newer = copy();
  setU32(newer, 8, 2);
  const flipped = copy();
  flipped[Math.floor(flipped.length / 2)]! ^= 0x5a;
  const oversized = copy();
  setU32(oversized, 12, 5000);
  fixChecksum(oversized);
  const index = copy();
  const at = layer0Index(index);
  setU32(index, at + 8, u32(index, at)); // entry 1 names entry 0's page again
  fixChecksum(index);
  return [
    {
      what: 'wrong magic',
      bytes: magic,
      message:
        /not a uniqueness-lab snapshot file: it starts with 89 56 4c 53 4e 50 0d 0a instead of the magic/,
    },
    {
      what: 'newer version',
      bytes: newer,
      message: /snapshot file format version 2 is newer than this uniqueness-lab reads \(up to 1\)/,
    },
    {
      what: 'bad checksum',
      bytes: flipped,
      message: /snapshot file is corrupt: its CRC-64 says [0-9a-f]{16} but its bytes give [0-9a-f]{16}/,
    },
    {
      what: 'truncated',
      bytes: good.slice(0, good.length - 10_000),
      message:
        /snapshot file is truncated: layer 0's page data at byte \d+ needs \d+ bytes but the file ends at byte/,
    },
    {
      what: 'oversized',
      bytes: oversized,
      message: /snapshot file declares the layer count = 5000, beyond the limit of 1024/,
    },
    {
      what: 'inconsistent page index',
      bytes: index,
      message: /snapshot file layer 0 page index entry 1 \(page \d+\): the page is listed twice/,
    },
  ];
}
