// The serial protocol between the runner and the guest's shell (initramfs.ts): a command is sent as
// one line wrapped in a begin and an end marker unique to it; the reply is what the shell prints
// between them, and the end marker carries the command's exit status.
//
//   sent:    echo "@@UL""B 7"; head -c 16 /dev/urandom | ...; echo "@@UL""E 7 $?"
//   printed: @@ULB 7\n <output lines> @@ULE 7 0\n
//
// Invariants:
// - The marker text never appears literally in the line sent (the quotes split it), so even with
//   terminal echo on a reply cannot be mistaken for its own command.
// - Kernel console messages ("[   61.2] ...") that interleave with a reply are dropped from it.
// - The log keeps a bounded tail (TAIL_BYTES) for error messages, and nothing else once no
//   command is pending, so a clone that runs for hours does not grow its log.

const TAIL_BYTES = 2048;
const KEEP_BYTES = 64 * 1024;

/** Wraps a shell command in the begin/end markers of command `id`. */
export function frameCommand(id: number, command: string): string {
  return `echo "@@UL""B ${id}"; ${command}; echo "@@UL""E ${id} $?"\n`;
}

/** A command's reply: what it printed (kernel messages removed) and its exit status. */
export interface Reply {
  output: string;
  status: number;
}

/** Finds command `id`'s reply in console text, or null while its end marker has not arrived. */
export function findReply(text: string, id: number): Reply | null {
  const end = new RegExp(`@@ULE ${id} (\\d+)\\r?\\n`).exec(text);
  if (!end) return null;
  const beginMarker = `@@ULB ${id}`;
  const begin = text.lastIndexOf(beginMarker, end.index);
  const from = begin < 0 ? 0 : text.indexOf('\n', begin) + 1;
  const output = text
    .slice(from, end.index)
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => !/^\[\s*\d+\.\d+\]/.test(line))
    .join('\n');
  return { output, status: Number(end[1]) };
}

interface Waiter {
  id: number;
  start: number;
  resolve(reply: Reply): void;
}

/** The console of one clone: collects the bytes the guest prints and hands replies to waiters. */
export class SerialLog {
  private text = '';
  private waiter: Waiter | null = null;

  /** Feeds one byte from the emulator's "serial0-output-byte" event. */
  push(byte: number): void {
    this.text += String.fromCharCode(byte);
    if (byte !== 10) return;
    const w = this.waiter;
    if (w) {
      const reply = findReply(this.text.slice(w.start), w.id);
      if (reply) {
        this.waiter = null;
        w.resolve(reply);
      }
    }
    if (!this.waiter && this.text.length > KEEP_BYTES) this.text = this.text.slice(-TAIL_BYTES);
  }

  /** Waits for the reply of command `id` (sent after this call); one command at a time. */
  expect(id: number): Promise<Reply> {
    if (this.waiter) throw new Error('SerialLog: a command is already pending');
    return new Promise((resolve) => {
      this.waiter = { id, start: this.text.length, resolve };
    });
  }

  /** Stops waiting (after a timeout or cancel); the reply, if it comes later, is ignored. */
  abandon(): void {
    this.waiter = null;
  }

  /** Whether the console has printed `marker` on a line of its own (the boot marker). */
  hasLine(marker: string): boolean {
    return new RegExp(`(^|\\n)${marker}\\r?\\n`).test(this.text);
  }

  /** The last bytes the guest printed, for error messages. */
  tail(bytes = TAIL_BYTES): string {
    return this.text.slice(-bytes);
  }
}
