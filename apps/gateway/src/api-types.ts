// Types-only entry for the typed client: the router's type and the shapes its procedures return.

export type { UsageReport, UsageTotals } from '@llm-gateway/core';
export type { UsageQuery } from './edge/usage-query.js';
export type { HealthBody } from './health/health-body.js';
export type { MetricsSnapshot } from './metrics/metrics-snapshot.js';
export type { AppRouter } from './trpc/app-router.js';
export type { GatewayErrorData } from './trpc/trpc-errors.js';
