import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  SYSGENID_BLOCKED,
  SYSGENID_MAX_FDS,
  SysGenIdDevice,
  type SysGenIdFd,
  sysgenidFd,
  type SysGenIdError,
  type SysGenIdErrno,
} from '../src/core/devices/sysgenid';
import type { Engine } from '../src/core/engine';
import { pageAddr, pageNo, PAGE_SIZE, type Result, type VmId } from '../src/core/types';
import { freshEngine, must } from './helpers';

const MMAP = pageNo(100);
const DRIVER = pageNo(101);
const ENODEV = -(1000 + 19);
const EV_SYSGENID_BUMP = 5; // assembly/vmm/events.ts

let eng: Engine;
beforeEach(async () => {
  eng = await freshEngine();
});

/** Boots a VM with the given kernel features and sets the driver up in pages 100 (mmap) and 101. */
function bootWithSysGenId(features: number): { vm: VmId; dev: SysGenIdDevice } {
  const vm = must(eng.bootVm({ memoryMiB: 16, features }));
  const dev = new SysGenIdDevice(eng.core, vm);
  val(dev.setup(MMAP, DRIVER));
  return { vm, dev };
}

function val<T>(r: Result<T, SysGenIdError>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function failure<T>(r: Result<T, SysGenIdError>): SysGenIdError {
  if (r.ok) throw new Error(`expected an error, got ${String(r.value)}`);
  return r.error;
}

function errnoOf<T>(r: Result<T, SysGenIdError>): SysGenIdErrno | string {
  const e = failure(r);
  return e.kind === 'Errno' ? e.errno : e.kind;
}

/** The counter as a library sees it: bytes 0..3 of the mmap page, little-endian. */
function mappedCounter(vm: VmId, dev: SysGenIdDevice): number {
  const bytes = must(eng.read(vm, pageAddr(val(dev.counterPage())), 4));
  return new DataView(bytes.buffer).getUint32(0, true);
}

/** The VM's virtual clock in ns (vmstate offset 8, f64). */
function clockNs(vm: VmId): number {
  return new DataView(eng.core.memory.buffer).getFloat64(eng.core.vmStateAddr(vm) + 8, true);
}

/** The caller acknowledges the counter on its own fd (read, then write the value back). */
function ack(dev: SysGenIdDevice, fd: SysGenIdFd): void {
  const v = dev.read(fd);
  if (!v.ok) throw new Error(v.error.message);
  const w = dev.write(fd, v.value);
  if (!w.ok) throw new Error(w.error.message);
}

describe('SysGenId: the counter and its mmap page', () => {
  it('starts at 0, in a zeroed counter page with role sysgenid-page and a driver page with role kernel', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    expect(val(dev.counter())).toBe(0);
    expect(val(dev.counterPage())).toBe(MMAP);
    expect(must(eng.read(vm, pageAddr(MMAP), PAGE_SIZE)).every((b) => b === 0)).toBe(true);
    expect(must(eng.pageInfo(vm, MMAP)).role).toBe('sysgenid-page');
    expect(must(eng.pageInfo(vm, DRIVER)).role).toBe('kernel');
    expect(val(dev.watchers())).toBe(0);
    expect(val(dev.outdated())).toBe(0);
    expect(val(dev.openFiles())).toBe(0);
  });

  it('a bump is visible to a library as the first 4 bytes of the mmap page', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    val(dev.trigger(fd, { minGen: 0x01020304 }));
    expect(val(dev.counter())).toBe(0x01020304);
    expect(must(eng.read(vm, pageAddr(MMAP), 8))).toEqual(new Uint8Array([4, 3, 2, 1, 0, 0, 0, 0]));
    expect(mappedCounter(vm, dev)).toBe(0x01020304);
  });

  it('TRIGGER sets the counter to max(minGen, counter + 1), wrapping as a u32', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    val(dev.trigger(fd));
    expect(val(dev.counter())).toBe(1);
    val(dev.trigger(fd, { minGen: 10 }));
    expect(val(dev.counter())).toBe(10);
    val(dev.trigger(fd, { minGen: 3 }));
    expect(val(dev.counter())).toBe(11);
    val(dev.trigger(fd, { minGen: 0xffffffff }));
    expect(val(dev.counter())).toBe(0xffffffff);
    val(dev.trigger(fd));
    expect(val(dev.counter())).toBe(0);
  });

  it('an unprivileged TRIGGER gets EACCES and changes nothing', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    const e = failure(dev.trigger(fd, { privileged: false }));
    expect(e).toMatchObject({ kind: 'Errno', errno: 'EACCES', op: 'trigger' });
    expect(e.message).toMatch(/CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN/);
    expect(val(dev.counter())).toBe(0);
    expect(mappedCounter(vm, dev)).toBe(0);
  });

  it('the driver state is bytes in the driver page, laid out as the header says', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const a = val(dev.open());
    const b = val(dev.open({ nonblock: true }));
    val(dev.setTracking(b, true));
    val(dev.trigger(a, { minGen: 7 }));
    const page = must(eng.read(vm, pageAddr(DRIVER), PAGE_SIZE));
    const u32 = (off: number) => new DataView(page.buffer).getUint32(off, true);
    expect([u32(0), u32(4), u32(8), u32(12)]).toEqual([7, 1, 1, 2]); // counter, tracked, outdated, open
    expect([u32(64), u32(68)]).toEqual([0, 1]); // fd 0: acked 0, IN_USE
    expect([u32(72), u32(76)]).toEqual([0, 1 | 2 | 4 | 8]); // fd 1: IN_USE TRACKED NONBLOCK OUTDATED
    expect(page.subarray(80).every((x) => x === 0)).toBe(true);
  });
});

describe('SysGenId: read, write, poll', () => {
  it('a new file has acknowledged the current counter: read blocks, or EAGAIN with O_NONBLOCK', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const blocking = val(dev.open());
    const nonblocking = val(dev.open({ nonblock: true }));
    expect(failure(dev.read(blocking))).toMatchObject({ kind: 'Blocked', op: 'read' });
    expect(eng.core.sysgenidRead(dev.vm, blocking, 4)).toBe(SYSGENID_BLOCKED);
    const e = failure(dev.read(nonblocking));
    expect(e).toMatchObject({ kind: 'Errno', errno: 'EAGAIN' });
    expect(e.message).toMatch(/already acknowledged generation 0/);
    expect(val(dev.poll(blocking))).toBe(false);
  });

  it('after a bump, read returns the counter, and reading does not acknowledge it', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open({ nonblock: true }));
    val(dev.trigger(fd, { minGen: 5 }));
    expect(val(dev.poll(fd))).toBe(true);
    expect(val(dev.read(fd))).toBe(5);
    expect(val(dev.read(fd, 4096))).toBe(5);
    expect(val(dev.poll(fd))).toBe(true);
    expect(val(dev.acked())).toBe(0);
  });

  it('a read buffer shorter than 4 bytes is EINVAL', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    val(dev.trigger(fd));
    const e = failure(dev.read(fd, 2));
    expect(e).toMatchObject({ kind: 'Errno', errno: 'EINVAL', op: 'read' });
    expect(e.message).toBe('EINVAL: the buffer holds 2 bytes; SysGenId reads need at least 4');
    expect(eng.core.sysgenidRead(dev.vm, fd, 3)).toBe(-(1000 + 22));
  });

  it('writing the current counter acknowledges it: poll turns unreadable and read blocks again', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open({ nonblock: true }));
    val(dev.trigger(fd));
    val(dev.trigger(fd));
    expect(val(dev.write(fd, 2))).toBe(4);
    expect(val(dev.poll(fd))).toBe(false);
    expect(errnoOf(dev.read(fd))).toBe('EAGAIN');
    expect(val(dev.acked())).toBe(1);
    expect(val(dev.write(fd, 2))).toBe(4); // acknowledging again is harmless
  });

  it('a write that is not exactly 4 bytes is ENOBUFS; a value other than the counter is EINVAL', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    val(dev.trigger(fd, { minGen: 3 }));
    const short = failure(dev.write(fd, 3, 2));
    expect(short).toMatchObject({ kind: 'Errno', errno: 'ENOBUFS', op: 'write' });
    expect(short.message).toMatch(/exactly 4/);
    expect(errnoOf(dev.write(fd, 3, 8))).toBe('ENOBUFS');
    const stale = failure(dev.write(fd, 2));
    expect(stale).toMatchObject({ kind: 'Errno', errno: 'EINVAL' });
    expect(stale.message).toMatch(/wrote 2 but the generation counter is 3/);
    expect(val(dev.poll(fd))).toBe(true); // nothing was acknowledged
  });
});

describe('SysGenId: files', () => {
  it('a VM holds at most 64 open files; close frees the lowest slot for the next open', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fds = Array.from({ length: SYSGENID_MAX_FDS }, () => val(dev.open()));
    expect(fds).toEqual(Array.from({ length: SYSGENID_MAX_FDS }, (_, i) => i));
    expect(errnoOf(dev.open())).toBe('EMFILE');
    val(dev.close(sysgenidFd(17)));
    val(dev.close(sysgenidFd(5)));
    expect(val(dev.open())).toBe(5);
    expect(val(dev.openFiles())).toBe(SYSGENID_MAX_FDS - 1);
  });

  it('calls on a closed or never-opened fd are EBADF', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    val(dev.close(fd));
    expect(errnoOf(dev.close(fd))).toBe('EBADF');
    expect(errnoOf(dev.read(fd))).toBe('EBADF');
    expect(errnoOf(dev.write(fd, 0))).toBe('EBADF');
    expect(errnoOf(dev.poll(fd))).toBe('EBADF');
    expect(errnoOf(dev.setTracking(fd, true))).toBe('EBADF');
    expect(errnoOf(dev.waitWatchers(fd, 1))).toBe('EBADF');
    expect(errnoOf(dev.trigger(fd))).toBe('EBADF');
    expect(errnoOf(dev.read(sysgenidFd(64)))).toBe('EBADF');
    expect(errnoOf(dev.read(sysgenidFd(-1)))).toBe('EBADF');
    expect(failure(dev.read(sysgenidFd(999))).message).toMatch(/999 is not an open \/dev\/sysgenid/);
  });
});

describe('SysGenId: watcher tracking and WAIT_WATCHERS', () => {
  it('a bump marks every tracked watcher outdated and each acknowledgement clears one', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    const apps = [val(dev.open()), val(dev.open()), val(dev.open())];
    for (const fd of apps) val(dev.setTracking(fd, true));
    val(dev.setTracking(apps[0]!, true)); // enabling twice counts once
    expect(val(dev.watchers())).toBe(3);
    expect(val(dev.outdated())).toBe(0);
    val(dev.trigger(overseer));
    expect(val(dev.outdated())).toBe(3);
    val(dev.write(apps[0]!, 1));
    expect(val(dev.outdated())).toBe(2);
    val(dev.write(apps[0]!, 1));
    expect(val(dev.outdated())).toBe(2); // a second ack of the same value releases nothing
    val(dev.write(apps[1]!, 1));
    val(dev.write(apps[2]!, 1));
    expect(val(dev.outdated())).toBe(0);
    expect(val(dev.watchers())).toBe(3);
  });

  it('an untracked file that acknowledges changes no watcher count', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const tracked = val(dev.open());
    const untracked = val(dev.open());
    val(dev.setTracking(tracked, true));
    val(dev.trigger(untracked));
    val(dev.write(untracked, 1));
    expect(val(dev.outdated())).toBe(1);
  });

  it('disabling tracking or closing an outdated watcher releases it', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    const a = val(dev.open());
    const b = val(dev.open());
    val(dev.setTracking(a, true));
    val(dev.setTracking(b, true));
    val(dev.trigger(overseer));
    expect(val(dev.outdated())).toBe(2);
    val(dev.setTracking(a, false));
    expect([val(dev.watchers()), val(dev.outdated())]).toEqual([1, 1]);
    val(dev.close(b));
    expect([val(dev.watchers()), val(dev.outdated())]).toEqual([0, 0]);
    ack(dev, overseer); // its own fd is outdated too: EINTR until it acknowledges
    expect(val(dev.waitWatchers(overseer, 0))).toBeUndefined();
  });

  it('enabling tracking on a file that missed a bump does not make it outdated; the next bump does', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    const late = val(dev.open());
    val(dev.trigger(overseer));
    val(dev.setTracking(late, true));
    expect(val(dev.outdated())).toBe(0);
    val(dev.trigger(overseer));
    expect(val(dev.outdated())).toBe(1);
  });

  it('WAIT_WATCHERS returns at once when no tracked watcher is outdated, and once all have acknowledged', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    const app = val(dev.open());
    val(dev.waitWatchers(overseer, 0));
    val(dev.setTracking(app, true));
    val(dev.trigger(overseer));
    // the event-loop app sees poll, readjusts and acknowledges
    expect(val(dev.poll(app))).toBe(true);
    val(dev.write(app, val(dev.read(app))));
    ack(dev, overseer);
    const t0 = clockNs(vm);
    expect(eng.core.sysgenidWaitWatchers(vm, overseer, 1000)).toBe(0);
    expect(clockNs(vm)).toBe(t0);
  });

  // v8 sysgenid_ioctl: the check is on the caller's own acked generation, tracked or not
  it('WAIT_WATCHERS from any caller whose own fd has not acknowledged the counter is EINTR, tracked or not', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    const untracked = val(dev.open());
    val(dev.setTracking(fd, true));
    val(dev.trigger(fd));
    const e = failure(dev.waitWatchers(fd, 100));
    expect(e).toMatchObject({ kind: 'Errno', errno: 'EINTR', op: 'waitWatchers' });
    expect(e.message).toMatch(/has not acknowledged generation 1/);
    expect(errnoOf(dev.waitWatchers(untracked, 100))).toBe('EINTR');
    val(dev.write(fd, 1));
    val(dev.waitWatchers(fd, 100));
    ack(dev, untracked);
    val(dev.waitWatchers(untracked, 100));
  });

  it('THE DEADLOCK: a lazy mmap reader that enables tracking but never acknowledges makes the overseer wait forever', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    const lazyLib = val(dev.open());
    val(dev.setTracking(lazyLib, true)); // the mistake: an mmap-only library must not track
    val(dev.trigger(overseer));
    ack(dev, overseer);
    // the library readjusts lazily from the mapped page, and never writes an acknowledgement
    expect(mappedCounter(vm, dev)).toBe(1);
    expect(val(dev.outdated())).toBe(1);
    const t0 = clockNs(vm);
    const timedOut = failure(dev.waitWatchers(overseer, 500));
    expect(timedOut).toMatchObject({ kind: 'Errno', errno: 'ETIME' });
    expect(timedOut.message).toMatch(
      /after 500 ms, 1 tracked watcher\(s\) still have not acknowledged generation 1/,
    );
    expect(clockNs(vm)).toBe(t0 + 500e6);
    const forever = failure(dev.waitWatchers(overseer, 0));
    expect(forever).toMatchObject({ kind: 'Blocked', op: 'waitWatchers' });
    expect(forever.message).toMatch(/forever/);
    expect(eng.core.sysgenidWaitWatchers(vm, overseer, 0)).toBe(SYSGENID_BLOCKED);
    expect(clockNs(vm)).toBe(t0 + 500e6);
  });

  it('the same lazy mmap reader without tracking lets the overseer through', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const overseer = val(dev.open());
    val(dev.open()); // the library's file, tracking off
    val(dev.trigger(overseer));
    ack(dev, overseer);
    expect(mappedCounter(vm, dev)).toBe(1);
    const t0 = clockNs(vm);
    expect(eng.core.sysgenidWaitWatchers(vm, overseer, 500)).toBe(0);
    expect(eng.core.sysgenidWaitWatchers(vm, overseer, 0)).toBe(0);
    expect(clockNs(vm)).toBe(t0);
  });
});

describe('SysGenId: variants', () => {
  it('v1-v7: the VMGenID notification bumps the counter', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_VMGENID);
    const app = val(dev.open());
    val(dev.setTracking(app, true));
    expect(val(dev.vmgenidNotified())).toBe(true);
    expect(val(dev.counter())).toBe(1);
    expect(mappedCounter(vm, dev)).toBe(1);
    expect(val(dev.outdated())).toBe(1);
    expect(val(dev.read(app))).toBe(1);
  });

  it('v8: the VMGenID notification leaves the counter alone; only the overseer bumps it', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    const cowBefore = eng.vmInfo(vm)?.cowCopies;
    expect(val(dev.vmgenidNotified())).toBe(false);
    expect(val(dev.counter())).toBe(0);
    expect(mappedCounter(vm, dev)).toBe(0);
    expect(eng.vmInfo(vm)?.cowCopies).toBe(cowBefore);
    val(dev.trigger(fd));
    expect(val(dev.counter())).toBe(1);
  });

  it('TRIGGER also works in the VMGenID variant', () => {
    const { dev } = bootWithSysGenId(FEAT_SYSGENID_VMGENID);
    const fd = val(dev.open());
    val(dev.trigger(fd, { minGen: 40 }));
    val(dev.vmgenidNotified());
    expect(val(dev.counter())).toBe(41);
  });

  it('without either feature bit the device is absent: every call is ENODEV', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: 0 }));
    const dev = new SysGenIdDevice(eng.core, vm);
    const e = failure(dev.setup(MMAP, DRIVER));
    expect(e).toMatchObject({ kind: 'Errno', errno: 'ENODEV' });
    expect(e.message).toMatch(/no \/dev\/sysgenid/);
    const c = eng.core;
    expect([
      c.sysgenidSetup(vm, MMAP, DRIVER),
      c.sysgenidOpen(vm, false),
      c.sysgenidClose(vm, 0),
      c.sysgenidRead(vm, 0, 4),
      c.sysgenidWrite(vm, 0, 4, 0),
      c.sysgenidPoll(vm, 0),
      c.sysgenidSetTracking(vm, 0, true),
      c.sysgenidWaitWatchers(vm, 0, 0),
      c.sysgenidTrigger(vm, 0, 0, true),
      c.sysgenidCounter(vm),
      c.sysgenidWatchers(vm),
      c.sysgenidOutdated(vm),
      c.sysgenidAcked(vm),
      c.sysgenidOpenFiles(vm),
      c.sysgenidCounterPage(vm),
      c.sysgenidVmgenidNotified(vm),
    ]).toEqual(Array(16).fill(ENODEV));
    expect(eng.vmInfo(vm)?.dirtyPages).toBe(0);
  });

  it('a kernel with the driver that has not set it up has no device yet', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: FEAT_SYSGENID_VMGENID }));
    const dev = new SysGenIdDevice(eng.core, vm);
    expect(errnoOf(dev.open())).toBe('ENODEV');
    expect(errnoOf(dev.counter())).toBe('ENODEV');
    expect(errnoOf(dev.vmgenidNotified())).toBe('ENODEV');
    val(dev.setup(MMAP, DRIVER));
    expect(val(dev.counter())).toBe(0);
  });
});

describe('SysGenId: engine errors', () => {
  it('setup rejects pages outside guest memory and one page for both roles', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: FEAT_SYSGENID_OVERSEER }));
    const dev = new SysGenIdDevice(eng.core, vm);
    expect(failure(dev.setup(pageNo(4096), DRIVER)).kind).toBe('AddressOutOfRange');
    expect(failure(dev.setup(MMAP, pageNo(5000))).kind).toBe('AddressOutOfRange');
    expect(failure(dev.setup(MMAP, MMAP)).kind).toBe('InvalidArgument');
    expect(errnoOf(dev.counter())).toBe('ENODEV');
    expect(eng.vmInfo(vm)?.dirtyPages).toBe(0);
  });

  it('an unknown VM is UnknownVm', () => {
    const dev = new SysGenIdDevice(eng.core, 42 as VmId);
    expect(failure(dev.open())).toMatchObject({ kind: 'UnknownVm', vm: 42 });
    expect(failure(dev.counter()).kind).toBe('UnknownVm');
  });

  it('a VM paused by a snapshot makes no system calls, but its counter can still be looked at', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_OVERSEER);
    const fd = val(dev.open());
    must(eng.snapshot(vm, 'full'));
    expect(failure(dev.trigger(fd)).kind).toBe('VmPaused');
    expect(failure(dev.read(fd)).kind).toBe('VmPaused');
    expect(failure(dev.open()).kind).toBe('VmPaused');
    expect(val(dev.counter())).toBe(0);
  });

  it('OutOfGuestMemory changes nothing: no bump, no new file, no dirty page', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: FEAT_SYSGENID_OVERSEER }));
    const parent = new SysGenIdDevice(eng.core, vm);
    val(parent.setup(MMAP, DRIVER));
    const fd = val(parent.open());
    val(parent.setTracking(fd, true));
    const snap = must(eng.snapshot(vm, 'full'));
    const [clone] = must(eng.restore(snap, 1));
    const dev = new SysGenIdDevice(eng.core, clone!);
    const s = eng.stats();
    eng.setFrameLimit(s.guestFrames + s.metaFrames + 1);
    const driverBefore = must(eng.read(clone!, pageAddr(DRIVER), PAGE_SIZE));
    const e = failure(dev.trigger(fd));
    expect(e.kind).toBe('OutOfGuestMemory');
    expect(e.message).toMatch(/nothing was changed/);
    expect(failure(dev.open()).kind).toBe('OutOfGuestMemory');
    expect(failure(dev.write(fd, 0)).kind).toBe('OutOfGuestMemory');
    expect(failure(dev.setTracking(fd, false)).kind).toBe('OutOfGuestMemory');
    expect(failure(dev.close(fd)).kind).toBe('OutOfGuestMemory');
    expect(val(dev.counter())).toBe(0);
    expect(mappedCounter(clone!, dev)).toBe(0);
    expect(must(eng.read(clone!, pageAddr(DRIVER), PAGE_SIZE))).toEqual(driverBefore);
    expect(eng.vmInfo(clone!)).toMatchObject({ dirtyPages: 0, cowCopies: 0 });
    expect(eng.stats()).toMatchObject({ guestFrames: s.guestFrames, metaFrames: s.metaFrames });
    // reads need no memory
    expect(val(dev.poll(fd))).toBe(false);
    eng.setFrameLimit(0);
    val(dev.trigger(fd));
    expect([val(dev.counter()), val(dev.outdated())]).toEqual([1, 1]);
  });
});

describe('SysGenId: the event log', () => {
  it('each bump logs EV_SYSGENID_BUMP with the VM, its virtual time and the new counter', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_VMGENID);
    const app = val(dev.open());
    const overseer = val(dev.open());
    val(dev.setTracking(app, true));
    const t0 = clockNs(vm);
    val(dev.trigger(overseer, { minGen: 9 }));
    expect(errnoOf(dev.waitWatchers(overseer, 250))).toBe('EINTR');
    ack(dev, overseer);
    expect(errnoOf(dev.waitWatchers(overseer, 250))).toBe('ETIME');
    val(dev.write(app, 9));
    expect(val(dev.vmgenidNotified())).toBe(true);
    expect(errnoOf(dev.trigger(overseer, { privileged: false }))).toBe('EACCES'); // no bump, no event
    const io = eng.core.ioBuffer();
    const n = eng.core.drainEvents(io, 64);
    const view = new DataView(eng.core.memory.buffer, io, n * 24);
    const events = Array.from({ length: n }, (_, i) => ({
      vm: view.getUint32(i * 24, true),
      kind: view.getUint32(i * 24 + 4, true),
      t: view.getFloat64(i * 24 + 8, true),
      detail: view.getUint32(i * 24 + 16, true),
    }));
    expect(events.filter((e) => e.kind === EV_SYSGENID_BUMP)).toEqual([
      { vm, kind: EV_SYSGENID_BUMP, t: t0, detail: 9 },
      { vm, kind: EV_SYSGENID_BUMP, t: t0 + 250e6, detail: 10 },
    ]);
  });
});

describe('SysGenId: snapshots and clones', () => {
  it('clones restored from one snapshot see the same counter and the same open files', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_VMGENID);
    const fd = val(dev.open({ nonblock: true }));
    val(dev.trigger(fd, { minGen: 5 }));
    const snap = must(eng.snapshot(vm, 'full'));
    const clones = must(eng.restore(snap, 3));
    for (const c of clones) {
      const cdev = new SysGenIdDevice(eng.core, c);
      expect(val(cdev.counter())).toBe(5);
      expect(mappedCounter(c, cdev)).toBe(5);
      expect(val(cdev.read(fd))).toBe(5); // the file opened before the snapshot is open in each clone
    }
  });

  it('a bump in one clone changes neither its siblings nor the snapshot', () => {
    const { vm, dev } = bootWithSysGenId(FEAT_SYSGENID_VMGENID);
    const fd = val(dev.open());
    val(dev.setTracking(fd, true));
    const snap = must(eng.snapshot(vm, 'full'));
    const [a, b] = must(eng.restore(snap, 2));
    const da = new SysGenIdDevice(eng.core, a!);
    const db = new SysGenIdDevice(eng.core, b!);
    expect(val(da.vmgenidNotified())).toBe(true);
    expect([val(da.counter()), mappedCounter(a!, da), val(da.outdated())]).toEqual([1, 1, 1]);
    expect([val(db.counter()), mappedCounter(b!, db), val(db.outdated())]).toEqual([0, 0, 0]);
    expect(eng.vmInfo(a!)?.dirtyPages).toBe(2); // the driver page and the mmap page
    expect(eng.vmInfo(b!)?.dirtyPages).toBe(0);
    const [c] = must(eng.restore(snap, 1));
    expect(val(new SysGenIdDevice(eng.core, c!).counter())).toBe(0);
    expect(must(eng.pageInfo(a!, MMAP)).role).toBe('sysgenid-page');
  });
});

// A reference model of the driver (plain objects), driven by random system calls alongside the
// core: every return code and every count must agree.
interface MFile {
  acked: number;
  tracked: boolean;
  nonblock: boolean;
  outdated: boolean;
}
type Call =
  | { op: 'open'; nonblock: boolean }
  | { op: 'close' | 'poll'; fd: number }
  | { op: 'read'; fd: number; bufLen: number }
  | { op: 'write'; fd: number; len: number; current: boolean }
  | { op: 'track'; fd: number; on: boolean }
  | { op: 'wait'; fd: number; timeoutMs: number }
  | { op: 'trigger'; fd: number; minGen: number; privileged: boolean }
  | { op: 'notify' };

const fdArb = fc.oneof({ weight: 9, arbitrary: fc.nat(5) }, { weight: 1, arbitrary: fc.constant(64) });
const callArb: fc.Arbitrary<Call> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('open' as const), nonblock: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), fd: fdArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('poll' as const), fd: fdArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      fd: fdArb,
      bufLen: fc.constantFrom(0, 3, 4, 8),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      fd: fdArb,
      len: fc.constantFrom(4, 4, 4, 2, 8),
      current: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('track' as const), fd: fdArb, on: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('wait' as const), fd: fdArb, timeoutMs: fc.constantFrom(0, 7) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('trigger' as const),
      fd: fdArb,
      minGen: fc.constantFrom(0, 3, 20),
      privileged: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('notify' as const) }) },
);

describe('SysGenId: against a reference model', () => {
  it('random system calls agree with the model: results, counts, mapped counter and clock', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(callArb, { minLength: 20, maxLength: 80 }), (v17, calls) => {
        const { vm } = bootWithSysGenId(v17 ? FEAT_SYSGENID_VMGENID : FEAT_SYSGENID_OVERSEER);
        const c = eng.core;
        const files = new Map<number, MFile>();
        let counter = 0;
        let clock = clockNs(vm);
        const e = (n: number) => -(1000 + n);
        const bump = (minGen: number) => {
          counter = Math.max(minGen, (counter + 1) >>> 0);
          for (const f of files.values()) if (f.tracked) f.outdated = true;
        };
        for (const k of calls) {
          const f = 'fd' in k ? files.get(k.fd) : undefined;
          let got: number;
          let want: number;
          switch (k.op) {
            case 'open': {
              got = c.sysgenidOpen(vm, k.nonblock);
              want = [...Array(64).keys()].find((i) => !files.has(i)) ?? e(24);
              if (want >= 0)
                files.set(want, { acked: counter, tracked: false, nonblock: k.nonblock, outdated: false });
              break;
            }
            case 'close':
              got = c.sysgenidClose(vm, k.fd);
              want = f ? 0 : e(9);
              files.delete(k.fd);
              break;
            case 'poll':
              got = c.sysgenidPoll(vm, k.fd);
              want = !f ? e(9) : f.acked !== counter ? 1 : 0;
              break;
            case 'read':
              got = c.sysgenidRead(vm, k.fd, k.bufLen);
              want = !f
                ? e(9)
                : k.bufLen === 0
                  ? 0
                  : k.bufLen < 4
                    ? e(22)
                    : f.acked === counter
                      ? f.nonblock
                        ? e(11)
                        : SYSGENID_BLOCKED
                      : counter;
              break;
            case 'write': {
              const value = k.current ? counter : counter + 1;
              got = c.sysgenidWrite(vm, k.fd, k.len, value);
              want = !f ? e(9) : k.len !== 4 ? e(105) : value !== counter ? e(22) : 4;
              if (want === 4) {
                f!.acked = counter;
                f!.outdated = false;
              }
              break;
            }
            case 'track':
              got = c.sysgenidSetTracking(vm, k.fd, k.on);
              want = f ? 0 : e(9);
              if (f && f.tracked !== k.on) {
                f.tracked = k.on;
                f.outdated = false;
              }
              break;
            case 'wait': {
              got = c.sysgenidWaitWatchers(vm, k.fd, k.timeoutMs);
              const waiting = [...files.values()].some((x) => x.outdated);
              want = !f
                ? e(9)
                : f.acked !== counter
                  ? e(4)
                  : !waiting
                    ? 0
                    : k.timeoutMs === 0
                      ? SYSGENID_BLOCKED
                      : e(62);
              if (want === e(62)) clock += k.timeoutMs * 1e6;
              break;
            }
            case 'trigger':
              got = c.sysgenidTrigger(vm, k.fd, k.minGen, k.privileged);
              want = !f ? e(9) : !k.privileged ? e(13) : 0;
              if (want === 0) bump(k.minGen);
              break;
            case 'notify':
              got = c.sysgenidVmgenidNotified(vm);
              want = v17 ? 1 : 0;
              if (v17) bump(0);
              break;
          }
          const list = [...files.values()];
          const where = JSON.stringify(k);
          expect(got, where).toBe(want);
          expect(c.sysgenidCounter(vm), where).toBe(counter);
          expect(c.sysgenidWatchers(vm), where).toBe(list.filter((x) => x.tracked).length);
          expect(c.sysgenidOutdated(vm), where).toBe(list.filter((x) => x.outdated).length);
          expect(c.sysgenidAcked(vm), where).toBe(list.filter((x) => x.acked === counter).length);
          expect(c.sysgenidOpenFiles(vm), where).toBe(files.size);
        }
        expect(mappedCounter(vm, new SysGenIdDevice(c, vm))).toBe(counter);
        expect(clockNs(vm)).toBe(clock);
      }),
      { numRuns: 200 },
    );
  });
});
