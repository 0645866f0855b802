#!/usr/bin/env node
// The upstream-sim binary: start a simulator from command-line flags, stop it on SIGTERM/SIGINT.
import { CLI_USAGE, parseCliArgs } from './cli-args.js';
import { startUpstreamSim } from './sim-server.js';

async function main(): Promise<void> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${CLI_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (command.help) {
    process.stdout.write(`${CLI_USAGE}\n`);
    return;
  }
  const sim = await startUpstreamSim(command.options);
  // The one line a parent process waits for before it starts sending traffic.
  process.stdout.write(`upstream-sim listening on ${sim.url}\n`);
  const stop = (): void => {
    sim.close().then(
      () => {
        process.exitCode = 0;
      },
      () => {
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`upstream-sim failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
