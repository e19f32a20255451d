// Loads the shipped scenarios from disk for the CLI, tests and benchmarks (Node only; the browser
// fetches /guest/scenarios/index.json and /guest/scenarios/ID.json and calls the same parsers).
// Files are found relative to this module, never to the working directory. Every failure,
// including a missing file, is a ScenarioError naming the file.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { LibraryId } from '../lab/types';
import { shippedGuestsNode } from '../manifest/load-node';
import { err, type Result } from '../types';
import { parseScenarioIndexText, parseScenarioText, scenarioError, SCENARIO_ID_PATTERN } from './parse';
import type { Scenario, ScenarioError, ScenarioIndexEntry } from './types';

/** The folder of the shipped scenarios (public/guest/scenarios/), as a file URL ending in a slash. */
export const SCENARIO_DIR_URL = new URL('../../../public/guest/scenarios/', import.meta.url);

async function readText(url: URL, file: string): Promise<Result<string, ScenarioError>> {
  try {
    return { ok: true, value: await readFile(url, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return err(scenarioError(file, '', `cannot read ${fileURLToPath(url)}: ${reason}`));
  }
}

/** Reads and checks the scenario index (public/guest/scenarios/index.json). */
export async function listScenariosNode(): Promise<Result<ScenarioIndexEntry[], ScenarioError>> {
  const text = await readText(new URL('index.json', SCENARIO_DIR_URL), 'index.json');
  return text.ok ? parseScenarioIndexText(text.value, 'index.json') : text;
}

/** The libraries of each shipped guest's processes (placeholders are checked against them). */
async function shippedGuestLibraries(): Promise<(guest: string) => readonly LibraryId[] | undefined> {
  const guests = await shippedGuestsNode();
  const map = new Map(guests.ok ? guests.value.map((g) => [g.name, g.processes.map((p) => p.library)]) : []);
  return (guest) => map.get(guest);
}

/**
 * Loads a shipped scenario by id ("the-problem"); its id must match its file name. Narration
 * placeholders are checked against the shipped guests' processes too.
 */
export async function loadScenarioNode(id: string): Promise<Result<Scenario, ScenarioError>> {
  const file = `${id}.json`;
  if (!SCENARIO_ID_PATTERN.test(id)) {
    return err(scenarioError(file, '', `"${id}" is not a scenario id (lowercase letters, digits and "-")`));
  }
  const text = await readText(new URL(file, SCENARIO_DIR_URL), file);
  if (!text.ok) {
    const index = await listScenariosNode();
    if (index.ok && text.error.message.endsWith('no such file')) {
      const known = index.value.map((s) => s.id).join(', ');
      return err(scenarioError(file, '', `no shipped scenario "${id}" (shipped: ${known})`));
    }
    return text;
  }
  const parsed = parseScenarioText(text.value, file, { guestLibraries: await shippedGuestLibraries() });
  if (parsed.ok && parsed.value.id !== id)
    return err(scenarioError(file, 'id', `must be "${id}", the file's name (got "${parsed.value.id}")`));
  return parsed;
}
