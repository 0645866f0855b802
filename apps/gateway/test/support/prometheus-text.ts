// A strict parser of the Prometheus text exposition format (0.0.4), for asserting on /metrics/prometheus.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name → its declared TYPE. */
  types: Map<string, string>;
  /** The sum of every sample named `name` whose labels include `labels` (0 when there is none). */
  sum(name: string, labels?: Record<string, string>): number;
  /** The samples named `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// A label value: any character but `"`, `\` and newline, or one of the escapes \\ \" \n.
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Go's ParseFloat, which Prometheus uses: special values in any case (prom-client writes `Nan`).
const VALUE =
  '(?:[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)|[nN][aA][nN]|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE})(?:,${LABEL_NAME}=${LABEL_VALUE})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const LABEL_PAIR = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');

/** Sample names a family of each type may use besides its own name. */
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

function unescapeLabel(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower.includes('inf'))
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

/** The family a sample name belongs to, among those declared so far. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const [family, type] of types) {
    for (const suffix of SUFFIXES[type] ?? []) if (name === family + suffix) return family;
  }
  return undefined;
}

function matches(sample: Sample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels[k] === v);
}

/**
 * Parses `text`, throwing on the first line that is not a valid exposition line, on a sample of an
 * undeclared family, on a family declared twice, and on a histogram whose buckets are not cumulative.
 */
export function parsePrometheusText(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.slice(0, -1).split('\n');
  for (const [index, line] of lines.entries()) {
    const fail = (why: string) => new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = TYPE_LINE.exec(line);
      if (type) {
        const [, family = '', kind = ''] = type;
        if (types.has(family)) throw fail('family declared twice');
        types.set(family, kind);
      } else if (line.startsWith('# HELP') && !HELP_LINE.test(line)) throw fail('invalid HELP line');
      else if (line.startsWith('# TYPE')) throw fail('invalid TYPE line');
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw fail('invalid sample line');
    const [, name = '', labelText = '', value = ''] = sample;
    if (familyOf(name, types) === undefined) throw fail('sample before its TYPE line');
    const labels: Record<string, string> = {};
    for (const [, key = '', quoted = ''] of labelText.matchAll(LABEL_PAIR)) {
      if (key in labels) throw fail(`label ${key} repeated`);
      labels[key] = unescapeLabel(quoted);
    }
    samples.push({ name, labels, value: parseValue(value) });
  }
  checkHistograms(samples, types);

  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && matches(s, labels));
  return {
    samples,
    types,
    find,
    sum: (name, labels) => find(name, labels).reduce((total, s) => total + s.value, 0),
  };
}

/** Each histogram series: buckets never decrease, and `+Inf` equals `_count`. */
function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples) {
      if (s.name !== `${family}_bucket`) continue;
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      let previous = 0;
      for (const b of buckets) {
        if (b.value < previous) throw new Error(`${family}${key}: buckets are not cumulative`);
        previous = b.value;
      }
      const labels = JSON.parse(key) as Record<string, string>;
      const count = samples.find((s) => s.name === `${family}_count` && sameLabels(s.labels, labels));
      const inf = buckets.find((b) => b.labels.le === '+Inf');
      if (!count || !inf || count.value !== inf.value) throw new Error(`${family}${key}: +Inf ≠ _count`);
    }
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
