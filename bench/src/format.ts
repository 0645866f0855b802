// Number formatting shared by the goals and the Markdown report (NaN prints as an em dash).
export const dash = '—';

export const ms = (us: number, digits = 2): string =>
  Number.isFinite(us) ? `${(us / 1000).toFixed(digits)} ms` : dash;
export const signedMs = (us: number): string =>
  Number.isFinite(us) ? `${us >= 0 ? '+' : ''}${(us / 1000).toFixed(2)} ms` : dash;
export const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : dash);
export const count = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : dash;
export const mb = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(1)} MB` : dash);
export const pct = (n: number): string =>
  Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(1)}%` : dash;
export const us = (n: number, digits = 2): string => (Number.isFinite(n) ? `${n.toFixed(digits)} µs` : dash);
