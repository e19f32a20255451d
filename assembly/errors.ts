// Error codes returned by the core's exports: an export that can fail returns a negative i32
// (one of these) or a non-negative result. `lastErrorDetail()` holds one number that qualifies the
// last error (e.g. the pages requested). src/core/errors.ts maps codes to typed errors and messages.
// Invariant: an export that returns an error has changed nothing.

export const E_UNKNOWN_VM: i32 = -1;
export const E_UNKNOWN_SNAPSHOT: i32 = -2;
export const E_OUT_OF_RANGE: i32 = -3;
export const E_OUT_OF_GUEST_MEMORY: i32 = -4;
export const E_INVALID_GUEST_SIZE: i32 = -5;
export const E_VM_PAUSED: i32 = -6;
export const E_NO_PARENT_SNAPSHOT: i32 = -7;
export const E_SNAPSHOT_HAS_CHILDREN: i32 = -8;
export const E_INVALID_ARGUMENT: i32 = -9;
export const E_TOO_MANY_OBJECTS: i32 = -10;
export const E_VM_RUNNING: i32 = -11;
export const E_NO_RDRAND: i32 = -12; // the vCPU has no RDRAND (CPUID.01H:ECX bit 30 clear)

let detail: f64 = 0;

/** Records a detail for the error about to be returned and returns the code. */
export function fail(code: i32, d: f64): i32 {
  detail = d;
  return code;
}

/** The detail number of the last error (pages requested, the bad address, ...). */
export function lastErrorDetail(): f64 {
  return detail;
}
