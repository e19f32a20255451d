// Fixed-size records (VMs, snapshots) in metadata frames, addressed by id.
//
//   directory (static, `entries` x u32 frame index, 1024 by default)   record frame (4 KiB)
//   [ f0 | f1 | ... ]  ---------------------->   [ rec 0 | rec 1 | ... | rec k-1 ]   k = 4096 / size
//
// Ids grow monotonically and are never reused, so a stale id can never name a new object.
// A record's first u32 is its state; 0 means free (never used, or destroyed).

import { allocMetaFrame, frameAddr, PAGE_SIZE, reserveFrames } from './frames';

export const DIR_ENTRIES: u32 = 1024;

/** A table of records of `size` bytes (a power of two <= 4096). */
@unmanaged
export class RecordTable {
  dir: usize = 0; // DIR_ENTRIES x u32 frame indices; 0 = no frame yet
  size: u32 = 0;
  next: u32 = 0; // the next id to hand out
  entries: u32 = 0; // directory entries (frames the table can ever use)
}

/** Initialises a table in static memory. */
export function initRecordTable(t: RecordTable, dir: usize, size: u32, entries: u32 = DIR_ENTRIES): void {
  t.dir = dir;
  t.size = size;
  t.next = 0;
  t.entries = entries;
}

/** Largest number of records the table can ever hold. */
export function recordCapacity(t: RecordTable): u32 {
  return t.entries * (PAGE_SIZE / t.size);
}

/** Metadata frames needed to allocate `count` more records. */
export function recordFramesNeeded(t: RecordTable, count: u32): u32 {
  const per = PAGE_SIZE / t.size;
  const have = (t.next + per - 1) / per; // frames already holding ids < next
  const want = (t.next + count + per - 1) / per;
  return want - have;
}

/** True if `count` more ids fit in the directory. */
export function recordsFit(t: RecordTable, count: u32): bool {
  return <u64>t.next + <u64>count <= <u64>recordCapacity(t);
}

/** Allocates the next record id (zeroed record). Caller reserved frames (recordFramesNeeded). */
export function allocRecord(t: RecordTable): u32 {
  const id = t.next++;
  const per = PAGE_SIZE / t.size;
  const slot = t.dir + ((<usize>(id / per)) << 2);
  if (load<u32>(slot) == 0) store<u32>(slot, allocMetaFrame());
  return id;
}

/** Address of record id, or 0 if the id was never handed out. */
export function recordAddr(t: RecordTable, id: u32): usize {
  if (id >= t.next) return 0;
  const per = PAGE_SIZE / t.size;
  const f = load<u32>(t.dir + ((<usize>(id / per)) << 2));
  return frameAddr(f) + <usize>((id % per) * t.size);
}

/** Reserves frames for count records; false if memory or ids run out. */
export function reserveRecords(t: RecordTable, count: u32, extraFrames: u32): bool {
  if (!recordsFit(t, count)) return false;
  return reserveFrames(recordFramesNeeded(t, count) + extraFrames);
}
