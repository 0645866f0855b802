// HAProxy's per-server counters from its stats page (CSV): which instance got what, and its check state.
import { request } from 'undici';

export interface ServerStats {
  name: string;
  /** `UP`, `DOWN`, `MAINT`, … (HAProxy's check state). */
  status: string;
  /** Requests sent to this server (HAProxy's `stot`: sessions, one per request with keep-alive). */
  sessions: number;
  http2xx: number;
  http4xx: number;
  http5xx: number;
}

const num = (row: Record<string, string>, column: string): number => Number(row[column] ?? Number.NaN);

/** The servers of `backend`, from `<statsUrl>;csv`. */
export async function serverStats(statsUrl: string, backend: string): Promise<ServerStats[]> {
  const res = await request(`${statsUrl};csv`);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`haproxy stats answered ${res.statusCode}`);
  const [header = '', ...lines] = text.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  return lines
    .map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i] ?? `${i}`, value])))
    .filter((row) => row.pxname === backend && row.svname !== 'BACKEND' && row.svname !== 'FRONTEND')
    .map((row) => ({
      name: row.svname ?? '?',
      status: row.status ?? '?',
      sessions: num(row, 'stot'),
      http2xx: num(row, 'hrsp_2xx'),
      http4xx: num(row, 'hrsp_4xx'),
      http5xx: num(row, 'hrsp_5xx'),
    }));
}

/** Counters of `after` minus `before`, server by server (the checks before the run are not counted). */
export function statsDelta(before: readonly ServerStats[], after: readonly ServerStats[]): ServerStats[] {
  return after.map((server) => {
    const start = before.find((s) => s.name === server.name);
    const minus = (key: 'sessions' | 'http2xx' | 'http4xx' | 'http5xx') => server[key] - (start?.[key] ?? 0);
    return {
      ...server,
      sessions: minus('sessions'),
      http2xx: minus('http2xx'),
      http4xx: minus('http4xx'),
      http5xx: minus('http5xx'),
    };
  });
}
