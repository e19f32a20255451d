// `run --predict`: the openssl-1.1.1 attack through the CLI, in JSON and text, and its refusal.

import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/core/cli/main';

async function cli(...args: string[]) {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  const code = await main(args, io as CliIo);
  return { code, ...io };
}

describe('run --predict', () => {
  it('recovers every clone of an openssl-1.1.1 process: JSON holds one prediction per clone', async () => {
    const r = await cli(
      'run',
      '--library',
      'getrandom,openssl-1.1.1',
      '--clones',
      '3',
      '--draws',
      '2',
      '--predict',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      predictions: {
        library: string;
        process: number;
        clones: { matches: number; nextRecovered: boolean }[];
      }[];
    };
    expect(j.predictions).toHaveLength(1);
    expect(j.predictions[0]).toMatchObject({ library: 'openssl-1.1.1', process: 1 });
    expect(j.predictions[0]!.clones.map((c) => [c.matches, c.nextRecovered])).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
  });

  it('says it in the text report', async () => {
    const r = await cli('run', '--library', 'openssl-1.1.1', '--clones', '2', '--draws', '2', '--predict');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /attack +openssl-1\.1\.1 \(process 0\): each clone's first output recovered in 2 of 2 clones by searching 65,551 timer values/,
    );
  });

  it('is refused with exit 2 when no process runs openssl-1.1.1, or with one draw', async () => {
    const none = await cli('run', '--library', 'naive', '--predict');
    expect([none.code, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toMatch(/--predict: the run has no openssl-1.1.1 process/);
    const one = await cli('run', '--library', 'openssl-1.1.1', '--draws', '1', '--predict');
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/--predict: the attack needs two draws/);
  });
});
