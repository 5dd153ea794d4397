#!/usr/bin/env node
// Sends a few spans through the OpenTelemetry JS SDK and its Zipkin exporter
// (@opentelemetry/exporter-zipkin 2.12.1, Zipkin v2 JSON).
//
//   node zipkin_otel_send.js --url http://127.0.0.1:9411/api/v2/spans --label TEXT
//
// Prints one JSON line {"spans": [<zipkin spans exactly as the exporter built them>]} and exits
// 0 when every export succeeded, 1 otherwise.
'use strict';

const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ZipkinExporter } = require('@opentelemetry/exporter-zipkin');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const exporter = new ZipkinExporter({ url: args.url });
const sent = [];
const failures = [];
const send = exporter._send;
exporter._send = (zipkinSpans, done) => {
  sent.push(...JSON.parse(JSON.stringify(zipkinSpans)));
  return send(zipkinSpans, (result) => {
    if (result.code !== 0) failures.push(String(result.error));
    done(result);
  });
};

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': `otel-zipkin-${args.label}`,
                                     'deployment.environment': 'it' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('my.scope', '1.2.3');
const root = tracer.startSpan(`GET /hello ${args.label}`, { kind: api.SpanKind.SERVER,
  attributes: { 'http.method': 'GET', 'http.status_code': 500, ratio: 0.25, ok: false,
                tags: ['a', 'b'] } });
root.addEvent('cache-miss', { key: 'k1', size: 42 });
const ctx = api.trace.setSpan(api.context.active(), root);
tracer.startSpan('SELECT users', { kind: api.SpanKind.CLIENT,
                                   attributes: { 'db.system': 'postgresql' } }, ctx).end();
const internal = tracer.startSpan('compute', { kind: api.SpanKind.INTERNAL }, ctx);
internal.setStatus({ code: api.SpanStatusCode.OK });
internal.end();
tracer.startSpan('publish', { kind: api.SpanKind.PRODUCER }, ctx).end();
root.setStatus({ code: api.SpanStatusCode.ERROR, message: 'boom' });
root.end();
provider.forceFlush().then(() => provider.shutdown()).then(() => {
  if (failures.length) {
    console.error('export failed:', failures.join('; '));
    process.exit(1);
  }
  console.log(JSON.stringify({ spans: sent }));
}).catch((e) => {
  console.error('FAILED', e);
  process.exit(1);
});
