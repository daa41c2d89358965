import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { samplerFrom, spanProcessorsFrom, statementShape } from './telemetry';

describe('samplerFrom (OTEL_TRACES_SAMPLER)', () => {
  const exporting = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

  it('samples every trace, following the parent, when unset and spans are exported', () => {
    expect(samplerFrom(exporting).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOnSampler() }).toString());
  });

  it('records only what a caller sampled when nothing is exported, unless a sampler is named', () => {
    expect(samplerFrom({}).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOffSampler() }).toString());
    expect(samplerFrom({ ...exporting, OTEL_TRACES_EXPORTER: 'none' }).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOffSampler() }).toString());
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'always_on' }).toString()).toBe(new AlwaysOnSampler().toString());
  });

  it.each([
    ['always_on', new AlwaysOnSampler()],
    ['always_off', new AlwaysOffSampler()],
    ['parentbased_always_off', new ParentBasedSampler({ root: new AlwaysOffSampler() })],
  ])('%s', (name, expected) => {
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: name }).toString()).toBe(expected.toString());
  });

  it('takes the ratio from OTEL_TRACES_SAMPLER_ARG (the production values: parent-based, 20 %), and 1 when it is out of range', () => {
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.2' }).toString()).toBe(
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.2) }).toString(),
    );
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString()).toBe(new TraceIdRatioBasedSampler(0.25).toString());
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }).toString()).toBe(
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }).toString(),
    );
  });

  it('falls back to the default for an unknown name', () => {
    expect(samplerFrom({ ...exporting, OTEL_TRACES_SAMPLER: 'sometimes' }).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOnSampler() }).toString());
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'sometimes' }).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOffSampler() }).toString());
  });
});

describe('spanProcessorsFrom', () => {
  it('exports nothing without an endpoint, or with OTEL_TRACES_EXPORTER=none', () => {
    expect(spanProcessorsFrom({}).map((p) => p.constructor.name)).toEqual(['NoopSpanProcessor']);
    expect(spanProcessorsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).map((p) => p.constructor.name)).toEqual(['NoopSpanProcessor']);
  });

  it('batches to OTLP when an endpoint is set', () => {
    expect(spanProcessorsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).map((p) => p.constructor.name)).toEqual(['BatchSpanProcessor']);
  });
});

describe('statementShape (what a database span says)', () => {
  it('names the command and the fields it filters and sets by, never a value', () => {
    const update = { update: 'connections', updates: [{ q: { _id: 'c-1' }, u: { $set: { secret: 's3cr3t' } } }], ordered: true, lsid: { id: 'x' } };
    expect(statementShape(update)).toBe('{"update":"?","updates":"[1]","ordered":"?","lsid":{"id":"?"}}');
    const find = { find: 'runs', filter: { _id: 'r-1', workspaceId: 'ws-secret' }, projection: { outbox: 0 }, limit: 1 };
    expect(statementShape(find)).toBe('{"find":"?","filter":{"_id":"?","workspaceId":"?"},"projection":{"outbox":"?"},"limit":"?"}');
    expect(statementShape(find)).not.toContain('ws-secret');
  });
});
