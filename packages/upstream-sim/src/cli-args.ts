// Command-line parsing for the upstream-sim binary (node:util parseArgs).
import { parseArgs } from 'node:util';
import type { SimReply, UpstreamSimOptions } from './sim-types.js';

/** Usage text printed for `--help` and after a bad argument. */
export const CLI_USAGE =
  'usage: upstream-sim [--port 9000] [--host 127.0.0.1] [--chunks 5] [--chunk-by even|words] [--chunk-delay-ms 0] [--latency-ms 0] [--api-key KEY] [--no-record]';

/** The parsed command line: simulator options, or a request for help. */
export type CliCommand = { help: true } | { help: false; options: UpstreamSimOptions };

/** Parses argv (without the node and script entries); throws an Error with a readable message when invalid. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      chunks: { type: 'string' },
      'chunk-by': { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      'latency-ms': { type: 'string' },
      'api-key': { type: 'string' },
      'no-record': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return { help: true };

  const options: UpstreamSimOptions = {};
  const reply: Partial<SimReply> = {};
  if (values.port !== undefined) options.port = integerArg('--port', values.port, { min: 0, max: 65535 });
  if (values.host !== undefined) options.host = values.host;
  if (values.chunks !== undefined) reply.chunks = integerArg('--chunks', values.chunks, { min: 1 });
  const chunkBy = values['chunk-by'];
  if (chunkBy !== undefined) {
    if (chunkBy !== 'even' && chunkBy !== 'words')
      throw new Error(`--chunk-by must be even or words, got "${chunkBy}"`);
    reply.chunkBy = chunkBy;
  }
  if (values['chunk-delay-ms'] !== undefined) {
    reply.chunkDelayMs = integerArg('--chunk-delay-ms', values['chunk-delay-ms'], { min: 0 });
  }
  if (values['latency-ms'] !== undefined)
    reply.latencyMs = integerArg('--latency-ms', values['latency-ms'], { min: 0 });
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  if (values['no-record'] === true) options.record = false;
  if (Object.keys(reply).length > 0) options.reply = reply;
  return { help: false, options };
}

/** The inclusive range an integer argument must lie in (`max` defaults to `Number.MAX_SAFE_INTEGER`). */
interface IntegerRange {
  min: number;
  max?: number;
}

function integerArg(name: string, raw: string, { min, max = Number.MAX_SAFE_INTEGER }: IntegerRange): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
