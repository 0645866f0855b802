// The report's (d) section: one row per target and mode, with CPU per chunk and upstream stream counts.
import { count, dash, ms, signedMs, times, us } from './format.js';
import { table } from './markdown-table.js';
import type { StreamRow, StreamScenario } from './result-types.js';
import { TARGET_LABELS } from './stack.js';

const label = (row: StreamRow): string => {
  switch (row.mode) {
    case 'unique':
      return TARGET_LABELS[row.target];
    case 'coalesced':
      return `${TARGET_LABELS[row.target]}: identical requests (coalesced)`;
    case 'replay':
      return `${TARGET_LABELS[row.target]}: cached answer replayed`;
  }
};

const cpuCell = (row: StreamRow): string => {
  if (row.target === 'direct')
    return Number.isFinite(row.cpuPerChunkUs) ? `${us(row.cpuPerChunkUs)} (sim)` : dash;
  if (row.target === 'proxy') return us(row.cpuPerChunkUs);
  return `${us(row.cpuPerChunkUs)} (${times(row.cpuPerChunkVsProxy)})`;
};

const upstreamCell = (row: StreamRow): string => {
  if (row.mode === 'coalesced') return `${count(row.upstreamStreams)} for ${count(row.waves)} waves`;
  if (row.mode === 'replay') {
    const primed = row.cacheProbes.every((probe) => probe.endsWith('HIT'));
    return `${count(row.upstreamStreams)}${primed ? '' : ` ⚠ primed: ${row.cacheProbes.join('; ')}`}`;
  }
  return count(row.upstreamStreams);
};

export function streamSection(scenario: StreamScenario): string {
  const shared = count(scenario.sharedConcurrency);
  return [
    '## (d) Streaming',
    '',
    `Simulator: ${scenario.chunks} content chunks, ${scenario.chunkDelayMs} ms apart. N streams kept open ` +
      `for ${scenario.windowS} s (closed loop, a unique body per stream) after one unmeasured wave. TTFC = ` +
      'request start to the first `data:` bytes; total = to the end of the stream. **CPU per chunk** is the ' +
      "target process's CPU time over the measured window divided by the chunks its clients received " +
      '(`data:` events, `[DONE]` not counted; the count per stream is in parentheses after the measured ' +
      "streams); × is the thin proxy's of the same repetition. " +
      '**Upstream streams** are the stream requests the simulator received during the window.',
    '',
    'The **relay floor** (`src/relay-floor.ts`) is the thin proxy plus only the work the answer path ' +
      "asks of any gateway on a streamed cache miss, with the gateway's own parts: each event parsed, " +
      'recorded, folded and written as `data: <text>`, the fold serialized and stored at the end; no ' +
      "framework, policies, logs or metrics. What the gateway costs above it is the gateway's own; what it " +
      'costs above the thin proxy is what relaying and recording a stream costs at all. **Events parsed ' +
      'at the end** is the same floor with no parse as events pass (each recorded and relayed as text, ' +
      'all parsed and folded after the last): a bound for a design whose per-event decisions (the usage ' +
      'chunk, the finish, an error chunk) would cost no parse.',
    '',
    `Two gateway-only runs at ${shared} streams (cache on): **identical requests**: waves of ${shared} ` +
      `streams sent at once with one body per wave (a new one each wave), which the gateway coalesces into ` +
      `one upstream stream per wave; **cached answer replayed**: one stream primes the cache, then ${shared} ` +
      'streams of that body in a closed loop, which the simulator should never see. The thin proxy has no ' +
      `cache, so their × direct and vs thin proxy columns compare with the ordinary ${shared}-stream run's ` +
      'direct and thin-proxy rows of the same repetition. A replayed answer is not spaced out like a ' +
      'relayed one and comes in the chunks the gateway makes of it (fewer, larger), so its total time and ' +
      'CPU per chunk are not like for like with a relay: multiply CPU per chunk by chunks each for CPU per stream.',
    '',
    table(
      [
        'streams',
        'target',
        'measured streams (chunks each)',
        'TTFC p50 / p99',
        'total p50 / p99',
        'added TTFC p50 (vs direct)',
        'total × direct',
        'vs thin proxy: TTFC / total',
        'CPU per chunk (× thin proxy)',
        'upstream streams',
        'failed',
      ],
      scenario.rows.map((row) => [
        count(row.concurrency),
        label(row),
        `${count(row.streams)} (${Number.isFinite(row.chunksPerStream) ? row.chunksPerStream.toFixed(1) : dash})`,
        `${ms(row.ttfcP50Us)} / ${ms(row.ttfcP99Us)}`,
        `${ms(row.totalP50Us, 1)} / ${ms(row.totalP99Us, 1)}`,
        row.target === 'direct' ? dash : signedMs(row.addedTtfcP50Us),
        row.target === 'direct' ? dash : times(row.totalVsDirect),
        row.target === 'direct' || row.target === 'proxy'
          ? dash
          : `${signedMs(row.overProxyTtfcP50Us)} / ${times(row.totalVsProxy)}`,
        cpuCell(row),
        upstreamCell(row),
        row.failed === 0 ? '0' : `⚠ ${count(row.failed)}`,
      ]),
    ),
  ].join('\n');
}
