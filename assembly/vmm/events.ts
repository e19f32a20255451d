// The event log: what happened to which VM at which virtual time (restore, resume, the VMGenID
// notification, reseeds, SysGenId bumps, library reseeds). A ring of fixed records in static
// memory; the facade drains it after each call and keeps per-VM timelines. Host-side only:
// observing the guest, never read by it.
//
// record (24 bytes): vm u32 | kind u32 | t f64 (ns) | detail u32 | (pad) u32

export const EV_RESTORE: u32 = 1;
export const EV_RESUME: u32 = 2;
export const EV_VMGENID_NOTIFY: u32 = 3;
export const EV_CRNG_RESEED: u32 = 4;
export const EV_SYSGENID_BUMP: u32 = 5;
export const EV_AGENT_RESEED: u32 = 6;
export const EV_PERIODIC_RESEED: u32 = 7;
export const EV_LIBRARY_RESEED: u32 = 8;
export const EV_LIBRARY_ABORT: u32 = 9;
export const EV_FORK: u32 = 10;
export const EV_DRAW: u32 = 11; // a draw round starts (detail: draw index)
export const EV_INTERRUPT_FLUSH: u32 = 12; // interrupt timings flushed into the input pool
export const EV_PM_RESEED: u32 = 13; // the PM notifier reseeded on resume from suspend
export const EV_VMCLOCK_BUMP: u32 = 14; // the VMM bumped VMClock's vm_generation_counter
export const EV_UEVENT: u32 = 15; // the vmgenid driver emitted NEW_VMGENID=1
export const EV_VDSO_FALLBACK: u32 = 16; // vDSO getrandom fell back to the syscall after its retry

const REC: u32 = 24;
const CAP: u32 = 16384;
const ring = memory.data(REC * CAP, 8);
let head: u32 = 0; // next slot to write
let count: u32 = 0; // records not yet drained
let dropped: u32 = 0;

/** Appends an event; when the ring is full the oldest undrained event is dropped (and counted). */
export function logEvent(vm: u32, kind: u32, t: f64, detail: u32): void {
  const a = ring + <usize>(head * REC);
  store<u32>(a, vm);
  store<u32>(a + 4, kind);
  store<f64>(a + 8, t);
  store<u32>(a + 16, detail);
  head = (head + 1) % CAP;
  if (count < CAP) count++;
  else dropped++;
}

/** Copies up to max undrained events (oldest first) to out and forgets them; returns how many. */
export function drainEvents(out: usize, max: u32): u32 {
  const n = min<u32>(count, max);
  const start = (head + CAP - count) % CAP;
  for (let i: u32 = 0; i < n; i++) memory.copy(out + <usize>(i * REC), ring + <usize>(((start + i) % CAP) * REC), REC);
  count -= n;
  return n;
}

/** Events dropped because nobody drained the ring in time. */
export function droppedEvents(): u32 {
  return dropped;
}
