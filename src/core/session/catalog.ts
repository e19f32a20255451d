// The guests a session may boot, by name (shipped manifests, or a list a test or the CLI gives).

import type { GuestManifest } from '../lab/types';

/** The guests a session may boot, by name. */
export interface GuestCatalog {
  get(name: string): GuestManifest | undefined;
  names(): string[];
}

/** A catalog over a list of manifests. */
export function catalogOf(guests: readonly GuestManifest[]): GuestCatalog {
  const map = new Map(guests.map((g) => [g.name, g]));
  return { get: (n) => map.get(n), names: () => [...map.keys()] };
}
