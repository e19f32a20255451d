// The reseed helper of the "agent" mitigation, emitted as a complete static i386 ELF executable
// (142 bytes), so building the assets needs no gcc-multilib. What it does, in C:
//
//   int fd = open("/dev/urandom", O_RDONLY);
//   if (fd >= 0) fd = ioctl(fd, RNDRESEEDCRNG, 0);   // drivers/char/random.c, CAP_SYS_ADMIN
//   exit(-fd);                                       // 0, or the errno of the failed call
//
// The agent first writes host entropy into /dev/urandom (mixed into the input pool, not
// credited), then runs this: the kernel extracts a new CRNG key from the pool at once instead of
// waiting for its next scheduled reseed.
//
// File layout (one PT_LOAD segment maps the whole file read+execute at LOAD_ADDR):
//
//   0x00  Elf32_Ehdr  (52 bytes)
//   0x34  Elf32_Phdr  (32 bytes)
//   0x54  code        (45 bytes, i386 Linux int 0x80 system calls)
//   0x81  "/dev/urandom\0"

/** The ioctl number from include/uapi/linux/random.h: _IO('R', 0x07). */
export const RNDRESEEDCRNG = 0x5207;

const LOAD_ADDR = 0x08048000;
const EHDR = 52;
const PHDR = 32;
const SYS_EXIT = 1;
const SYS_OPEN = 5;
const SYS_IOCTL = 54;

const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];

/** The helper's bytes; deterministic, so its sha256 in the asset manifest never changes. */
export function reseedHelperElf(): Uint8Array {
  const path = [...new TextEncoder().encode('/dev/urandom'), 0];
  const codeAt = EHDR + PHDR;
  const codeBytes = 45;
  const pathAddr = LOAD_ADDR + codeAt + codeBytes;
  // prettier-ignore
  const code = [
    0xb8, ...le32(SYS_OPEN),        // mov eax, SYS_open
    0xbb, ...le32(pathAddr),        // mov ebx, "/dev/urandom"
    0x31, 0xc9,                     // xor ecx, ecx            (O_RDONLY)
    0xcd, 0x80,                     // int 0x80
    0x85, 0xc0,                     // test eax, eax
    0x78, 0x10,                     // js exit                 (skip the 16 bytes of the ioctl)
    0x89, 0xc3,                     // mov ebx, eax            (fd)
    0xb8, ...le32(SYS_IOCTL),       // mov eax, SYS_ioctl
    0xb9, ...le32(RNDRESEEDCRNG),   // mov ecx, RNDRESEEDCRNG
    0x31, 0xd2,                     // xor edx, edx
    0xcd, 0x80,                     // int 0x80
    0x89, 0xc3,                     // exit: mov ebx, eax
    0xf7, 0xdb,                     // neg ebx                 (exit status = errno, or 0)
    0xb8, ...le32(SYS_EXIT),        // mov eax, SYS_exit
    0xcd, 0x80,                     // int 0x80
  ];
  if (code.length !== codeBytes)
    throw new Error(`reseed helper: code is ${code.length} bytes, not ${codeBytes}`);
  const fileSize = codeAt + code.length + path.length;
  // prettier-ignore
  const ehdr = [
    0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ELFCLASS32, LSB, version 1, SysV
    ...le16(2), ...le16(3), ...le32(1),                         // ET_EXEC, EM_386, EV_CURRENT
    ...le32(LOAD_ADDR + codeAt), ...le32(EHDR), ...le32(0),     // e_entry, e_phoff, e_shoff
    ...le32(0), ...le16(EHDR), ...le16(PHDR), ...le16(1),       // e_flags, e_ehsize, e_phentsize, e_phnum
    ...le16(0), ...le16(0), ...le16(0),                         // no section headers
  ];
  // prettier-ignore
  const phdr = [
    ...le32(1), ...le32(0), ...le32(LOAD_ADDR), ...le32(LOAD_ADDR), // PT_LOAD, offset 0
    ...le32(fileSize), ...le32(fileSize), ...le32(5), ...le32(0x1000), // filesz, memsz, R+X, align
  ];
  return Uint8Array.from([...ehdr, ...phdr, ...code, ...path]);
}
