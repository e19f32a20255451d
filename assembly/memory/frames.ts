// The frame pool: 4 KiB host frames in wasm memory, with reference counts.
//
//   0                 heapBase        rcBase                      poolBase
//   | static data     | stub runtime  | refcounts: u32 x MAX_FRAMES | frame 0 | frame 1 | ... | frame n-1 |
//                     | (reserve)     | (4 MiB)                     | (zero)  |                         ^ memory end
//
// Frame i lives at poolBase + i * 4096. Frame 0 is the shared zero page: it is never written,
// never freed and carries no refcount (holding it costs nothing, like the kernel's zero page).
// Free frames form a singly linked list threaded through their first 4 bytes. The pool grows by
// memory.grow; a failed grow is reported (never a trap), so callers reserve what an operation
// needs with `reserveFrames` BEFORE changing anything.
// Guest frames (mapped by page-table entries) and metadata frames (page-table leaves, dirty
// bitmaps, records) come from the same pool and are counted apart. Every frame but frame 0 has a
// reference count: a guest frame's is the number of page-table leaves that map it, a leaf's is the
// number of tables (VMs, snapshots) that share it, other metadata frames have one owner.

export const PAGE_SIZE: u32 = 4096;
export const PAGE_SHIFT: u32 = 12;
export const MAX_FRAMES: u32 = 1 << 20; // 4 GiB of frames: more than wasm32 can address
const RUNTIME_RESERVE: usize = 256 << 10;
export const NO_FRAME: u32 = 0xffffffff;
const GROW_STEP_PAGES: i32 = 256; // 16 MiB

let rcBase: usize = 0;
let poolBase: usize = 0;
let poolTop: u32 = 0; // frames ever carved from the pool (bump pointer)
let poolCapacity: u32 = 0; // frames that fit in the current wasm memory
let freeHead: u32 = NO_FRAME;
let freeCount: u32 = 0;
let guestInUse: u32 = 0;
let metaInUse: u32 = 0;
let frameLimit: u32 = MAX_FRAMES; // a soft cap (tests, the app's memory budget)

/** Sets up the pool once: places the refcount table and frame 0 after the runtime's reserve. */
export function initFrames(): void {
  if (poolBase != 0) return;
  rcBase = (__heap_base + RUNTIME_RESERVE + 0xffff) & ~(<usize>0xffff);
  poolBase = rcBase + (<usize>MAX_FRAMES << 2);
  const needPages = <i32>((poolBase + PAGE_SIZE + 0xffff) >> 16);
  const have = memory.size();
  if (needPages > have) memory.grow(needPages - have);
  poolCapacity = <u32>((<usize>memory.size() << 16) - poolBase) >> PAGE_SHIFT;
  memory.fill(rcBase, 0, <usize>MAX_FRAMES << 2);
  memory.fill(poolBase, 0, PAGE_SIZE); // frame 0: the zero page
  poolTop = 1;
}

/** Host address of frame f. */
// @ts-ignore: decorator
@inline export function frameAddr(f: u32): usize {
  return poolBase + (<usize>f << PAGE_SHIFT);
}

// @ts-ignore: decorator
@inline function rcAddr(f: u32): usize {
  return rcBase + (<usize>f << 2);
}

/** Frames that can be handed out without growing memory. */
function availableNow(): u32 {
  return freeCount + (poolCapacity - poolTop);
}

/** Makes sure n more frames can be allocated; grows wasm memory if needed. False if it cannot. */
export function reserveFrames(n: u32): bool {
  if (<u64>guestInUse + <u64>metaInUse + <u64>n + 1 > <u64>frameLimit) return false;
  const avail = availableNow();
  if (avail >= n) return true;
  const missing = n - avail;
  const pages = <i32>((<u64>missing * PAGE_SIZE + 0xffff) >> 16);
  // grow in steps of at least 16 MiB or 1/16 of the memory (memory.grow is costly on a large
  // memory, so amortise it; at most ~6% lies unused); fall back to the exact need
  const step = max<i32>(GROW_STEP_PAGES, memory.size() >> 4);
  if (memory.grow(max<i32>(pages, step)) < 0 && memory.grow(pages) < 0) return false;
  poolCapacity = <u32>(((<usize>memory.size() << 16) - poolBase) >> PAGE_SHIFT);
  if (poolCapacity > MAX_FRAMES) poolCapacity = MAX_FRAMES;
  return availableNow() >= n;
}

function takeFrame(): u32 {
  let f: u32;
  if (freeHead != NO_FRAME) {
    f = freeHead;
    freeHead = load<u32>(frameAddr(f));
    freeCount--;
  } else {
    // callers reserve first; running dry here is a bug in the caller
    assert(poolTop < poolCapacity, 'frame pool exhausted without a reservation');
    f = poolTop++;
  }
  return f;
}

function giveBack(f: u32): void {
  store<u32>(frameAddr(f), freeHead);
  freeHead = f;
  freeCount++;
}

/** Allocates a guest frame with refcount 1 (contents undefined). Reserve first. */
export function allocGuestFrame(): u32 {
  const f = takeFrame();
  store<u32>(rcAddr(f), 1);
  guestInUse++;
  return f;
}

/** Allocates a zero-filled metadata frame with refcount 1. Reserve first. */
export function allocMetaFrame(): u32 {
  const f = takeFrame();
  memory.fill(frameAddr(f), 0, PAGE_SIZE);
  store<u32>(rcAddr(f), 1);
  metaInUse++;
  return f;
}

/** Frees a metadata frame regardless of its count. */
export function freeMetaFrame(f: u32): void {
  store<u32>(rcAddr(f), 0);
  metaInUse--;
  giveBack(f);
}

/** Adds a holder to metadata frame f (a shared page-table leaf). */
export function metaRef(f: u32): void {
  store<u32>(rcAddr(f), load<u32>(rcAddr(f)) + 1);
}

/** Drops a holder of metadata frame f; true when it was the last (the caller then frees it). */
export function metaUnrefIsLast(f: u32): bool {
  const rc = load<u32>(rcAddr(f)) - 1;
  store<u32>(rcAddr(f), rc);
  return rc == 0;
}

/** Adds a holder to guest frame f (the zero page needs none). */
// @ts-ignore: decorator
@inline export function frameRef(f: u32): void {
  if (f != 0) store<u32>(rcAddr(f), load<u32>(rcAddr(f)) + 1);
}

/** Drops a holder of guest frame f; the last holder frees it. */
export function frameUnref(f: u32): void {
  if (f == 0) return;
  const rc = load<u32>(rcAddr(f)) - 1;
  store<u32>(rcAddr(f), rc);
  if (rc == 0) {
    guestInUse--;
    giveBack(f);
  }
}

/** Reference count of guest frame f (0 for the zero page and for free frames). */
export function frameRefcount(f: u32): u32 {
  if (f == 0 || f >= poolTop) return 0;
  return load<u32>(rcAddr(f));
}

/** Guest frames in use (excluding the zero page). */
export function guestFramesInUse(): u32 {
  return guestInUse;
}

/** Metadata frames in use (page tables, bitmaps, records). */
export function metaFramesInUse(): u32 {
  return metaInUse;
}

/** Frames carved from wasm memory so far (in use or on the free list), including frame 0. */
export function poolFrames(): u32 {
  return poolTop;
}

/** Frames the pool may still hand out without growing memory. */
export function freeFrames(): u32 {
  return availableNow();
}

/** Current wasm memory size in bytes. */
export function wasmMemoryBytes(): f64 {
  return <f64>memory.size() * 65536;
}

/** Caps the frames the core may use (guest + metadata); 0 restores the default cap. */
export function setFrameLimit(frames: u32): void {
  frameLimit = frames == 0 ? MAX_FRAMES : frames;
}

/** The current frame cap. */
export function frameLimitNow(): u32 {
  return frameLimit;
}

/** Address of the refcount table (u32 per frame), for read-only views from the facade. */
export function refcountTableAddr(): usize {
  return rcBase;
}

/** Address of frame 0; frame f is at this + f * 4096. */
export function poolBaseAddr(): usize {
  return poolBase;
}

/**
 * Allocates n guest frames that lie next to each other (a fresh pool hands them out in order);
 * returns the first, or NO_FRAME if memory is short or the run is not contiguous. Benchmarks use
 * it to measure page copy/fill bandwidth on the pool's own frames.
 */
export function allocFrameRun(n: u32): u32 {
  if (n == 0 || !reserveFrames(n)) return NO_FRAME;
  const first = allocGuestFrame();
  for (let i: u32 = 1; i < n; i++) {
    if (allocGuestFrame() != first + i) return NO_FRAME;
  }
  return first;
}

/** Copies n whole pages from frame src.. to frame dst.., one page at a time (the CoW path). */
export function copyFrames(dst: u32, src: u32, n: u32): void {
  for (let i: u32 = 0; i < n; i++) memory.copy(frameAddr(dst + i), frameAddr(src + i), PAGE_SIZE);
}

/** Fills n whole pages from frame dst.. with a byte value, one page at a time. */
export function fillFrames(dst: u32, value: u8, n: u32): void {
  for (let i: u32 = 0; i < n; i++) memory.fill(frameAddr(dst + i), value, PAGE_SIZE);
}
