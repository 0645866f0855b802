// Loaded with `--import` into a target process by loop-delay.ts: its event-loop delay, read by signal.
// Each SIGUSR2 writes the histogram since the last one to <out>/loop-delay-<pid>.json, <out> from the
// import URL's `?out=` (the child's environment is not the bench's, so its tmpdir may differ), and starts a
// new one (SIGUSR1 is Node's inspector signal). Plain JavaScript: the gateway runs as built.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
const ms = (ns) => ns / 1e6;
const out = new URL(import.meta.url).searchParams.get('out') ?? tmpdir();

process.on('SIGUSR2', () => {
  const reading = {
    p50Ms: ms(histogram.percentile(50)),
    p90Ms: ms(histogram.percentile(90)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    meanMs: ms(histogram.mean),
  };
  histogram.reset();
  writeFileSync(join(out, `loop-delay-${process.pid}.json`), JSON.stringify(reading));
});
