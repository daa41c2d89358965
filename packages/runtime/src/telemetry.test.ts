import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { samplerFrom, spanProcessorsFrom } from './telemetry';

describe('samplerFrom (OTEL_TRACES_SAMPLER)', () => {
  it('samples every trace, following the parent, when unset', () => {
    expect(samplerFrom({}).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOnSampler() }).toString());
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
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'sometimes' }).toString()).toBe(new ParentBasedSampler({ root: new AlwaysOnSampler() }).toString());
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
