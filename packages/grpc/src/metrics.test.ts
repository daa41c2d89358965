import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import pino from 'pino';
import { DomainError } from '@tenantatlas/core';
import { unary } from './server';
import { httpMetrics } from '@tenantatlas/core';
import { DEFAULT_METRICS_PORTS, metricsPortFrom } from '@tenantatlas/core';

class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const reader = new CollectingReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** count of samples per attribute set of one histogram, e.g. {"rpc_method=Start,grpc_code=OK": 2} */
async function histogramCounts(name: string): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const counts: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name || metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      for (const point of (metric as HistogramMetricData).dataPoints) {
        const key = Object.entries(point.attributes).map(([k, v]) => `${k}=${String(v)}`).join(',');
        counts[key] = point.value.count;
      }
    }
  }
  return counts;
}

function fakeCall(path: string): grpc.ServerUnaryCall<unknown, unknown> {
  return {
    request: {},
    metadata: new grpc.Metadata(),
    getDeadline: () => Infinity,
    getPath: () => path,
  } as unknown as grpc.ServerUnaryCall<unknown, unknown>;
}

const answered = (handler: grpc.handleUnaryCall<unknown, unknown>, path: string) =>
  new Promise<grpc.StatusObject | null>((resolve) =>
    handler(fakeCall(path), ((err: grpc.StatusObject | null) => resolve(err)) as grpc.sendUnaryData<unknown>),
  );

describe('metrics', () => {
  const logger = pino({ level: 'silent' });

  it('records one RPC sample per answered call, labelled by service, method and status', async () => {
    const ok = unary(logger, async () => ({}));
    const rejected = unary(logger, async () => {
      throw new DomainError('RUN.NOT_FOUND', 'not_found', 'no such run');
    });
    await answered(ok, '/tenantatlas.operations.v1.OperationsService/GetRun');
    await answered(ok, '/tenantatlas.operations.v1.OperationsService/GetRun');
    expect(await answered(rejected, '/tenantatlas.operations.v1.OperationsService/GetRun')).toMatchObject({ code: grpc.status.NOT_FOUND });

    const base = 'rpc_service=tenantatlas.operations.v1.OperationsService,rpc_method=GetRun';
    expect(await histogramCounts('tenantatlas_rpc_server_duration_seconds')).toEqual({
      [`${base},grpc_code=OK`]: 2,
      [`${base},grpc_code=NOT_FOUND`]: 1,
    });
  });

  it('records HTTP requests by route template, never by raw URL, and skips probes', async () => {
    const middleware = httpMetrics();
    const request = (url: string, route: string | undefined, status: number) => {
      const res = Object.assign(new EventEmitter(), { statusCode: status }) as unknown as ServerResponse;
      const req = { url, method: 'GET', baseUrl: '/api', route: route ? { path: route } : undefined } as unknown as IncomingMessage;
      middleware(req, res, () => undefined);
      res.emit('finish');
    };
    request('/api/workspaces/ws-1/runs?page=2', '/workspaces/:workspaceId/runs', 200);
    request('/api/workspaces/ws-2/runs', '/workspaces/:workspaceId/runs', 200);
    request('/api/nothing-here', undefined, 404);
    request('/readyz', '/readyz', 200);

    expect(await histogramCounts('tenantatlas_http_server_duration_seconds')).toEqual({
      'http_method=GET,http_route=/api/workspaces/:workspaceId/runs,http_status_code=200': 2,
      'http_method=GET,http_route=unmatched,http_status_code=404': 1,
    });
  });

  it('reads METRICS_PORT: the service default, a number, or off; anything else is refused', () => {
    expect(metricsPortFrom('operations', {})).toEqual({ port: DEFAULT_METRICS_PORTS.operations });
    expect(metricsPortFrom('operations', { METRICS_PORT: '0' })).toEqual({ port: 0 });
    expect(metricsPortFrom('audit', { METRICS_PORT: '19090' })).toEqual({ port: 19090 });
    expect(metricsPortFrom('audit', { METRICS_PORT: 'off' })).toEqual({ disabled: true });
    expect(() => metricsPortFrom('audit', { METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(new Set(Object.values(DEFAULT_METRICS_PORTS)).size).toBe(5);
  });
});
