// The liveness answer (GET /health and the tRPC `health` query): the spec's shape plus the upstream mode.

export interface HealthBody {
  status: 'healthy';
  service: string;
  version: string;
  upstream: string;
}

export interface HealthBodyOptions {
  service: string;
  version: string;
  mode: 'real' | 'demo';
}

export function healthBody(options: HealthBodyOptions): HealthBody {
  return {
    status: 'healthy',
    service: options.service,
    version: options.version,
    upstream:
      options.mode === 'demo'
        ? 'demo (embedded simulator; set PROXYAPI_API_KEY for the real upstream)'
        : 'real',
  };
}
