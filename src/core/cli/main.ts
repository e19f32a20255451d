// The CLI entry point (`uniqueness-lab run ...`); the run command arrives with the libraries.

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write('usage: uniqueness-lab run [flags]   (see --help of run)\n');
    return 0;
  }
  process.stderr.write(`uniqueness-lab: unknown command "${argv[0]}"\n`);
  return 2;
}
