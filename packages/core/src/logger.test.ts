import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { NoopSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger } from './logger';

// synchronous context is enough here: every line is written inside context.with()
context.setGlobalContextManager(new StackContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));

/** A logger writing into an array of parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), lines };
}

describe('logger', () => {
  it('stamps lines written inside a span with its trace and span ids, and others with none', () => {
    const { logger, lines } = capture();
    const span = trace.getTracer('test').startSpan('request');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    span.end();
    logger.info('outside');
    const { traceId, spanId } = span.spanContext();
    expect(lines[0]).toMatchObject({ msg: 'inside', service: 'test', trace_id: traceId, span_id: spanId });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('censors secrets at the top level and nested, whatever the caller logs', () => {
    const { logger, lines } = capture();
    const canary = 'canary-7f3a9c';
    logger.info(
      {
        clientSecret: canary,
        request: { client_secret: canary, headers: { authorization: `Bearer ${canary}`, cookie: canary } },
        connection: { credential: { ciphertext: canary }, password: canary },
        token: canary,
        keep: 'visible',
      },
      'a request with secrets in it',
    );
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain(canary);
    expect(lines[0]).toMatchObject({
      clientSecret: '[redacted]',
      token: '[redacted]',
      keep: 'visible',
      request: { client_secret: '[redacted]', headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      connection: { credential: { ciphertext: '[redacted]' }, password: '[redacted]' },
    });
  });
});
