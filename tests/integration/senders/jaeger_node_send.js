#!/usr/bin/env node
// Sends a small trace with the real Node `jaeger-client` (OpenTracing) and reports exactly what
// the client encoded, so the test can derive the expected OTLP spans.
//
//   node jaeger_node_send.js --mode udp --host 127.0.0.1 --port 6832 [--tag TEXT] [--trace128 1]
//   node jaeger_node_send.js --mode http --url http://127.0.0.1:14268/api/traces [--tag TEXT]
//
// UDP uses the thrift binary protocol (jaeger-client only speaks binary); HTTP posts a bare
// Batch. Prints one JSON line {"process": {...}, "spans": [...]}: the thrift process and spans
// as the client handed them to its sender (ids and times as unsigned decimal strings, binary
// values as hex), then exits 0 once the tracer is closed; exits 1 on a reported send error.
'use strict';

const { initTracer } = require('jaeger-client');

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  return args;
}

// A thrift i64 (Buffer of 8 bytes, or empty for 0) as an unsigned decimal string.
function u64(value) {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'number') return String(value);
  const buf = Buffer.from(value);
  if (buf.length === 0) return '0';
  return BigInt('0x' + buf.toString('hex')).toString();
}

function tag(t) {
  return { key: t.key, vType: t.vType, vStr: t.vStr, vDouble: t.vDouble, vBool: t.vBool,
           vLong: u64(t.vLong), vBinary: Buffer.from(t.vBinary || []).toString('hex') };
}

function span(s) {
  return {
    traceIdLow: u64(s.traceIdLow), traceIdHigh: u64(s.traceIdHigh), spanId: u64(s.spanId),
    parentSpanId: u64(s.parentSpanId), operationName: s.operationName, flags: s.flags,
    references: s.references.map((r) => ({ refType: r.refType, traceIdLow: u64(r.traceIdLow),
      traceIdHigh: u64(r.traceIdHigh), spanId: u64(r.spanId) })),
    startTime: u64(s.startTime), duration: u64(s.duration), tags: s.tags.map(tag),
    logs: s.logs.map((l) => ({ timestamp: u64(l.timestamp), fields: l.fields.map(tag) })),
  };
}

const args = parseArgs(process.argv);
const label = args.tag || 'jc';
const reporter = args.mode === 'udp'
  ? { agentHost: args.host, agentPort: Number(args.port), flushIntervalMs: 100 }
  : { collectorEndpoint: args.url, flushIntervalMs: 100 };
const errors = [];
const tracer = initTracer(
  { serviceName: `jc-svc-${label}`, sampler: { type: 'const', param: 1 }, reporter },
  { tags: { 'proc.tag': 'p1', 'proc.num': 7 }, traceId128bit: args.trace128 === '1',
    logger: { info() {}, error(e) { errors.push(String(e)); } } });

// Record what the reporter hands to its sender.
const sent = [];
const sender = tracer._reporter._sender;
const append = sender.append.bind(sender);
sender.append = (thriftSpan, callback) => {
  sent.push(span(thriftSpan));
  return append(thriftSpan, callback);
};

const root = tracer.startSpan(`${label} root-op`);
root.setTag('span.kind', 'server');
root.setTag('http.status_code', 503);
root.setTag('error', true);
root.setTag('http.url', '/x?y=1');
root.log({ event: 'retry', attempt: 2, reason: 'timeout' });
const child = tracer.startSpan(`${label} child-op`, { childOf: root.context() });
child.setTag('span.kind', 'client');
child.setTag('db.statement', 'SELECT 1');
child.setTag('peer.port', 5432);
child.log({ message: 'no event name' });
child.finish();
const follower = tracer.startSpan(`${label} follower`, {
  references: [require('opentracing').followsFrom(root.context())] });
follower.setTag('span.kind', 'consumer');
follower.setTag('queue.binary', Buffer.from([0, 1, 254]));
follower.finish();
root.finish();

tracer.close(() => {
  if (errors.length) {
    console.error('jaeger-client reported errors:', errors.join('; '));
    process.exit(1);
  }
  // The process as the reporter converts it for its sender.
  const ThriftUtils = require('jaeger-client/dist/src/thrift').default;
  const p = tracer._process;
  const tags = ThriftUtils.getThriftTags(p.tags);
  console.log(JSON.stringify({ process: { serviceName: p.serviceName, tags: tags.map(tag) },
                               spans: sent }));
});
