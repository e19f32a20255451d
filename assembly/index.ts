export const CORE_VERSION: u32 = 1;
export function coreVersion(): u32 { return CORE_VERSION; }
