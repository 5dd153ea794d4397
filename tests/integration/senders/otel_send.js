#!/usr/bin/env node
// Sends a fixed set of spans through a real OpenTelemetry JS SDK + OTLP exporter.
//
//   node otel_send.js --exporter grpc|grpc-gzip|http-json|http-json-gzip|http-proto|http-proto-gzip
//                     --url URL --plan plan.json [--tenant ID] [--processor simple|batch]
//
// plan.json (written by clients.py) is a list of batches:
//   [{resource: [[key, {t, v}]], scope: {name, version}, spans: [{trace_id, span_id,
//     parent_span_id, name, kind, start, end, attributes, events, links, status}]}]
// Ids and timestamps are forced, so the test knows exactly what must come back:
// a custom IdGenerator hands out the planned ids, children get a remote parent context
// carrying the planned parent id, and start/end/event times are given as HrTime.
//
// Prints one JSON line {"exported": <spans>, "trace_ids": [...]} and exits 0, or prints
// the export errors to stderr and exits 1.
'use strict';

const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor, BatchSpanProcessor } =
  require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');

function parseArgs(argv) {
  const args = { processor: 'simple' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    args[key] = argv[i + 1];
  }
  for (const required of ['exporter', 'url', 'plan']) {
    if (!args[required]) {
      console.error(`missing --${required}`);
      process.exit(2);
    }
  }
  return args;
}

// Builds the exporter named on the command line.
function makeExporter(name, url, tenant) {
  const gzip = name.endsWith('-gzip') ? { compression: 'gzip' } : {};
  if (name.startsWith('grpc')) {
    const grpc = require('@grpc/grpc-js');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
    const metadata = new grpc.Metadata();
    if (tenant) metadata.set('x-scope-orgid', tenant);
    return new OTLPTraceExporter({ url, metadata, ...gzip });
  }
  const headers = tenant ? { 'X-Scope-OrgID': tenant } : {};
  if (name.startsWith('http-json')) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url, headers, ...gzip });
  }
  if (name.startsWith('http-proto')) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ url, headers, ...gzip });
  }
  throw new Error(`unknown exporter ${name}`);
}

// Wraps an exporter to record the outcome of every export call (the span processors only
// log failures, they do not surface them).
class RecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.exported = 0;
    this.failures = [];
  }
  export(spans, done) {
    this.inner.export(spans, (result) => {
      if (result.code === 0) {
        this.exported += spans.length;
      } else {
        const err = result.error;
        this.failures.push(err ? `${err.name || 'Error'}: ${err.message} ${err.code || ''}` :
          `code ${result.code}`);
      }
      done(result);
    });
  }
  forceFlush() { return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve(); }
  shutdown() { return this.inner.shutdown(); }
}

// Plan value {t, v} -> JS attribute value. Integers stay integral numbers (exported as
// intValue); doubles in plans are never integral (exported as doubleValue).
function value(tv) {
  switch (tv.t) {
    case 'int': return Number(tv.v);
    case 'array': return tv.v.map(value);
    default: return tv.v;
  }
}

function attributes(pairs) {
  const out = {};
  for (const [k, tv] of pairs) out[k] = value(tv);
  return out;
}

// Nanoseconds given as a decimal string -> HrTime [seconds, nanos].
function hrTime(ns) {
  const n = BigInt(ns);
  return [Number(n / 1000000000n), Number(n % 1000000000n)];
}

// Hands out the ids set just before each startSpan call.
class PlannedIds {
  constructor() { this.traceId = ''; this.spanId = ''; }
  generateTraceId() { return this.traceId; }
  generateSpanId() { return this.spanId; }
}

async function sendBatch(batch, args, ids) {
  const exporter = new RecordingExporter(makeExporter(args.exporter, args.url, args.tenant));
  const processor = args.processor === 'batch' ?
    new BatchSpanProcessor(exporter, { scheduledDelayMillis: 100 }) :
    new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(attributes(batch.resource)),
    idGenerator: ids,
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(batch.scope.name, batch.scope.version || undefined);
  for (const s of batch.spans) {
    ids.traceId = s.trace_id;
    ids.spanId = s.span_id;
    let ctx = api.ROOT_CONTEXT;
    if (s.parent_span_id) {
      ctx = api.trace.setSpanContext(ctx, {
        traceId: s.trace_id, spanId: s.parent_span_id,
        traceFlags: api.TraceFlags.SAMPLED, isRemote: true,
      });
    }
    const span = tracer.startSpan(s.name, {
      kind: s.kind - 1,  // OTLP kind (1 = INTERNAL) -> api.SpanKind (0 = INTERNAL)
      startTime: hrTime(s.start),
      attributes: attributes(s.attributes),
      links: s.links.map((l) => ({
        context: { traceId: l.trace_id, spanId: l.span_id, traceFlags: api.TraceFlags.SAMPLED },
        attributes: attributes(l.attributes),
      })),
    }, ctx);
    for (const e of s.events) span.addEvent(e.name, attributes(e.attributes), hrTime(e.time));
    if (s.status.code !== 0) {
      span.setStatus({ code: s.status.code, message: s.status.message || undefined });
    }
    span.end(hrTime(s.end));
  }
  await provider.forceFlush();
  await provider.shutdown();
  return exporter;
}

async function main() {
  const args = parseArgs(process.argv);
  const plan = JSON.parse(require('fs').readFileSync(args.plan, 'utf8'));
  const ids = new PlannedIds();
  let exported = 0;
  const failures = [];
  for (const batch of plan) {
    const exporter = await sendBatch(batch, args, ids);
    exported += exporter.exported;
    failures.push(...exporter.failures);
  }
  const planned = plan.reduce((n, b) => n + b.spans.length, 0);
  if (failures.length > 0 || exported !== planned) {
    console.error(`export failed (${exported}/${planned} spans exported): ${failures.join('; ')}`);
    process.exit(1);
  }
  const traceIds = [...new Set(plan.flatMap((b) => b.spans.map((s) => s.trace_id)))];
  console.log(JSON.stringify({ exported, trace_ids: traceIds }));
}

main().catch((err) => {
  console.error(`sender crashed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
