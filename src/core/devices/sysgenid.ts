// The typed facade over the core's SysGenId driver (assembly/devices/sysgenid.ts): one
// /dev/sysgenid per VM, its state in guest pages. Each method is one guest system call (or one
// host-side look) and returns a Result: the value, a Linux errno the driver returned, Blocked (the
// call would sleep; the model cannot), or an EngineError (nothing changed).

import { engineError, ERROR_CODE, type EngineError } from '../errors';
import type { CoreExports } from '../load/instantiate';
import * as L from '../wasm/layout';
import { err, ok, pageNo, type PageNo, type Result, type VmId } from '../types';

/** Guest kernel feature bits (assembly/vmm/vmstate.ts): the driver bumped by VMGenID (v1-v7) or only by an overseer (v8). */
export const FEAT_SYSGENID_VMGENID = L.FEAT_SYSGENID_VMGENID;
export const FEAT_SYSGENID_OVERSEER = L.FEAT_SYSGENID_OVERSEER;

/** The errno values the driver returns (Linux numbering). */
export const SYSGENID_ERRNOS = {
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOBUFS: 105,
  ETIME: 62,
} as const;
export type SysGenIdErrno = keyof typeof SYSGENID_ERRNOS;

/** Core return codes: -(ERRNO_BASE + errno) for an errno, BLOCKED for a call that would sleep. */
export const SYSGENID_ERRNO_BASE = 1000;
export const SYSGENID_BLOCKED = -2000;
/** Open /dev/sysgenid files per VM in the model. */
export const SYSGENID_MAX_FDS = 64;

/** A /dev/sysgenid file descriptor of one VM (a slot of the driver's file table). */
export type SysGenIdFd = number & { readonly __sysgenidFd: true };
export const sysgenidFd = (n: number) => n as SysGenIdFd;

export type SysGenIdOp =
  | 'setup'
  | 'open'
  | 'close'
  | 'read'
  | 'write'
  | 'poll'
  | 'setTracking'
  | 'waitWatchers'
  | 'trigger'
  | 'notify'
  | 'query';

export type SysGenIdError =
  | { kind: 'Errno'; errno: SysGenIdErrno; op: SysGenIdOp; message: string }
  | { kind: 'Blocked'; op: SysGenIdOp; message: string }
  | EngineError;

/** What a message may mention: the call's arguments and the driver's state after it. */
interface Context {
  vm: VmId;
  fd?: number;
  bufLen?: number;
  len?: number;
  value?: number;
  timeoutMs?: number;
  counter: number;
  outdated: number;
}

const errnoMessages: Record<SysGenIdErrno, (op: SysGenIdOp, c: Context) => string> = {
  EINVAL: (op, c) =>
    op === 'read'
      ? `EINVAL: the buffer holds ${c.bufLen} bytes; SysGenId reads need at least 4`
      : `EINVAL: wrote ${c.value} but the generation counter is ${c.counter}; only the current value can be acknowledged`,
  EAGAIN: (_, c) =>
    `EAGAIN: fd ${c.fd} (O_NONBLOCK) has already acknowledged generation ${c.counter}; nothing to read until the next bump`,
  ENOBUFS: (_, c) => `ENOBUFS: wrote ${c.len} bytes; an acknowledgement is exactly 4 (the u32 counter)`,
  EINTR: (_, c) =>
    `EINTR: fd ${c.fd} has not acknowledged generation ${c.counter} itself (tracked or not); it must acknowledge before waiting for the others`,
  EACCES: () => 'EACCES: TRIGGER_GEN_UPDATE needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN',
  ETIME: (_, c) =>
    `ETIME: after ${c.timeoutMs} ms, ${c.outdated} tracked watcher(s) still have not acknowledged generation ${c.counter}`,
  EBADF: (_, c) => `EBADF: ${c.fd} is not an open /dev/sysgenid file descriptor of VM ${c.vm}`,
  EMFILE: (_, c) =>
    `EMFILE: VM ${c.vm} already has ${SYSGENID_MAX_FDS} /dev/sysgenid files open (the model's limit)`,
  ENODEV: (_, c) =>
    `ENODEV: VM ${c.vm} has no /dev/sysgenid (its kernel lacks the driver, or the driver was not set up)`,
};

const blockedMessages: Partial<Record<SysGenIdOp, (c: Context) => string>> = {
  read: (c) =>
    `blocked: fd ${c.fd} has already acknowledged generation ${c.counter}; a blocking read sleeps until the next bump`,
  waitWatchers: (c) =>
    `blocked: ${c.outdated} tracked watcher(s) have not acknowledged generation ${c.counter}; WAIT_WATCHERS(0) sleeps until they do, forever if one never does (a lazy mmap reader that enabled tracking)`,
};

const errnoNames = new Map<number, SysGenIdErrno>(
  Object.entries(SYSGENID_ERRNOS).map(([name, n]) => [n, name as SysGenIdErrno]),
);

const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** /dev/sysgenid of one VM, over the core's exports. */
export class SysGenIdDevice {
  constructor(
    readonly core: CoreExports,
    readonly vm: VmId,
  ) {}

  /** Places the driver in two guest pages (the boot code's job) and zeroes them. */
  setup(mmapPage: PageNo, driverPage: PageNo): Result<void, SysGenIdError> {
    for (const p of [mmapPage, driverPage])
      if (!isU32(p)) return err(engineError(ERROR_CODE.AddressOutOfRange, p * 4096));
    const r = this.core.sysgenidSetup(this.vm, mmapPage, driverPage);
    return r < 0 ? this.fail('setup', r, {}) : ok(undefined);
  }

  /** open("/dev/sysgenid"): a new file that has acknowledged the current counter. */
  open(opts: { nonblock?: boolean } = {}): Result<SysGenIdFd, SysGenIdError> {
    const r = this.core.sysgenidOpen(this.vm, opts.nonblock ?? false);
    return r < 0 ? this.fail('open', r, {}) : ok(sysgenidFd(r));
  }

  /** close(fd). */
  close(fd: SysGenIdFd): Result<void, SysGenIdError> {
    if (!isU32(fd)) return this.fail('close', this.errnoCode('EBADF'), { fd });
    const r = this.core.sysgenidClose(this.vm, fd);
    return r < 0 ? this.fail('close', r, { fd }) : ok(undefined);
  }

  /** read(fd, buf, bufLen): the counter, if this fd has not acknowledged it (does not acknowledge). */
  read(fd: SysGenIdFd, bufLen = 4): Result<number, SysGenIdError> {
    if (!isU32(fd)) return this.fail('read', this.errnoCode('EBADF'), { fd });
    if (!isU32(bufLen)) return err(engineError(ERROR_CODE.InvalidArgument, bufLen));
    const r = this.core.sysgenidRead(this.vm, fd, bufLen);
    return r < 0 ? this.fail('read', r, { fd, bufLen }) : ok(r);
  }

  /** write(fd, &value, len): acknowledges the current counter; the bytes written (4). */
  write(fd: SysGenIdFd, value: number, len = 4): Result<number, SysGenIdError> {
    if (!isU32(fd)) return this.fail('write', this.errnoCode('EBADF'), { fd });
    if (!isU32(value)) return err(engineError(ERROR_CODE.InvalidArgument, value));
    if (!isU32(len)) return err(engineError(ERROR_CODE.InvalidArgument, len));
    const r = this.core.sysgenidWrite(this.vm, fd, len, value);
    return r < 0 ? this.fail('write', r, { fd, len, value }) : ok(r);
  }

  /** poll(fd): true (readable) while the fd's acknowledged value differs from the counter. */
  poll(fd: SysGenIdFd): Result<boolean, SysGenIdError> {
    if (!isU32(fd)) return this.fail('poll', this.errnoCode('EBADF'), { fd });
    const r = this.core.sysgenidPoll(this.vm, fd);
    return r < 0 ? this.fail('poll', r, { fd }) : ok(r === 1);
  }

  /** ioctl SYSGENID_SET_WATCHER_TRACKING: adds (true) or removes the fd from the tracked watchers. */
  setTracking(fd: SysGenIdFd, on: boolean): Result<void, SysGenIdError> {
    if (!isU32(fd)) return this.fail('setTracking', this.errnoCode('EBADF'), { fd });
    const r = this.core.sysgenidSetTracking(this.vm, fd, on);
    return r < 0 ? this.fail('setTracking', r, { fd }) : ok(undefined);
  }

  /**
   * ioctl SYSGENID_WAIT_WATCHERS: succeeds once no tracked watcher is outdated. With a timeout the
   * VM's clock advances by it before ETIME; 0 (forever) gives Blocked.
   */
  waitWatchers(fd: SysGenIdFd, timeoutMs = 0): Result<void, SysGenIdError> {
    if (!isU32(fd)) return this.fail('waitWatchers', this.errnoCode('EBADF'), { fd });
    if (!isU32(timeoutMs)) return err(engineError(ERROR_CODE.InvalidArgument, timeoutMs));
    const r = this.core.sysgenidWaitWatchers(this.vm, fd, timeoutMs);
    return r < 0 ? this.fail('waitWatchers', r, { fd, timeoutMs }) : ok(undefined);
  }

  /**
   * ioctl SYSGENID_TRIGGER_GEN_UPDATE: counter = max(minGen, counter + 1). Needs a privileged
   * caller (CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN; default true, as for an overseer).
   */
  trigger(fd: SysGenIdFd, opts: { minGen?: number; privileged?: boolean } = {}): Result<void, SysGenIdError> {
    const minGen = opts.minGen ?? 0;
    if (!isU32(fd)) return this.fail('trigger', this.errnoCode('EBADF'), { fd });
    if (!isU32(minGen)) return err(engineError(ERROR_CODE.InvalidArgument, minGen));
    const r = this.core.sysgenidTrigger(this.vm, fd, minGen, opts.privileged ?? true);
    return r < 0 ? this.fail('trigger', r, { fd }) : ok(undefined);
  }

  /**
   * The guest kernel handled the VMGenID notification: true if the driver bumped (v1-v7), false
   * if this variant leaves bumps to the overseer (v8).
   */
  vmgenidNotified(): Result<boolean, SysGenIdError> {
    const r = this.core.sysgenidVmgenidNotified(this.vm);
    return r < 0 ? this.fail('notify', r, {}) : ok(r === 1);
  }

  /** The generation counter. */
  counter(): Result<number, SysGenIdError> {
    return this.query(this.core.sysgenidCounter(this.vm));
  }

  /** Tracked watchers. */
  watchers(): Result<number, SysGenIdError> {
    return this.query(this.core.sysgenidWatchers(this.vm));
  }

  /** Tracked watchers that have not acknowledged the last bump. */
  outdated(): Result<number, SysGenIdError> {
    return this.query(this.core.sysgenidOutdated(this.vm));
  }

  /** Open files whose acknowledged value is the current counter. */
  acked(): Result<number, SysGenIdError> {
    return this.query(this.core.sysgenidAcked(this.vm));
  }

  /** Open /dev/sysgenid files. */
  openFiles(): Result<number, SysGenIdError> {
    return this.query(this.core.sysgenidOpenFiles(this.vm));
  }

  /** The guest page userspace maps read-only; bytes 0..3 hold the counter (little-endian). */
  counterPage(): Result<PageNo, SysGenIdError> {
    const r = this.query(this.core.sysgenidCounterPage(this.vm));
    return r.ok ? ok(pageNo(r.value)) : r;
  }

  private query(r: number): Result<number, SysGenIdError> {
    return r < 0 ? this.fail('query', r, {}) : ok(r);
  }

  private errnoCode(e: SysGenIdErrno): number {
    return -(SYSGENID_ERRNO_BASE + SYSGENID_ERRNOS[e]);
  }

  /** The typed error for a negative core return. */
  private fail<T>(op: SysGenIdOp, code: number, args: Partial<Context>): Result<T, SysGenIdError> {
    if (code > -SYSGENID_ERRNO_BASE) return err(engineError(code, this.core.lastErrorDetail()));
    const context = (): Context => ({
      vm: this.vm,
      counter: Math.max(0, this.core.sysgenidCounter(this.vm)),
      outdated: Math.max(0, this.core.sysgenidOutdated(this.vm)),
      ...args,
    });
    if (code === SYSGENID_BLOCKED) {
      const m = blockedMessages[op];
      if (!m) throw new Error(`core returned Blocked from ${op}: a core bug`);
      return err({ kind: 'Blocked', op, message: m(context()) });
    }
    const errno = errnoNames.get(-code - SYSGENID_ERRNO_BASE);
    if (!errno) throw new Error(`core returned an unknown SysGenId code ${code}`);
    const message = errnoMessages[errno](
      op,
      errno === 'ENODEV' ? { vm: this.vm, counter: 0, outdated: 0 } : context(),
    );
    return err({ kind: 'Errno', errno, op, message });
  }
}
