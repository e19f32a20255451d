// public/guest/schema.json, the JSON Schema editors use for guest manifests, generated from the
// zod schema the lab checks manifests with (validate.ts): `npm run guest:schema` writes it and
// tests/manifest.test.ts fails when the committed file differs, so the two cannot drift.
//
// Invariants: the text is deterministic (the same schema gives the same bytes) and ends with a
// newline; refinements JSON Schema cannot state stay in the lab's checker, and the schema's
// top-level description says which.

import { z } from '../check/check';
import { manifestSchema } from './validate';

/** The schema's $id (a name, not a URL: editors find the file through a manifest's "$schema"). */
export const GUEST_SCHEMA_ID = 'uniqueness-lab/guest-manifest@1';

/** The manifest's JSON Schema (draft 2020-12), as the lab's zod schema states it. */
export function guestManifestJsonSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = z.toJSONSchema(manifestSchema, {
    target: 'draft-2020-12',
    // what a person writes (a library alias, hex in either case), not what the checker returns
    io: 'input',
  });
  return { $schema, $id: GUEST_SCHEMA_ID, title, description, ...rest };
}

/** public/guest/schema.json's text. */
export function guestManifestJsonSchemaText(): string {
  return `${JSON.stringify(guestManifestJsonSchema(), null, 2)}\n`;
}
