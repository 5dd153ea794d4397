#!/usr/bin/env node
// Sends a server span with a local child span through the real zipkin-js tracer and its HTTP
// transport (zipkin 0.22 + zipkin-transport-http 0.22), as Zipkin v2 or v1 JSON.
//
//   node zipkin_js_send.js --version v2|v1 --url http://127.0.0.1:9411 --label TEXT
//
// Prints one JSON line {"spans": [<span objects exactly as encoded>]} once the collector
// answered 202, and exits 0; exits 1 when the upload failed or was refused.
'use strict';

const { Tracer, BatchRecorder, ExplicitContext, Annotation, jsonEncoder, InetAddress } =
  require('zipkin');
const { HttpLogger } = require('zipkin-transport-http');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const v1 = args.version === 'v1';
const logger = new HttpLogger({
  endpoint: `${args.url}/api/${v1 ? 'v1' : 'v2'}/spans`,
  jsonEncoder: v1 ? jsonEncoder.JSON_V1 : jsonEncoder.JSON_V2,
  httpInterval: 60000,  // flushed explicitly below
});
const encoded = [];
const logSpan = logger.logSpan.bind(logger);
logger.logSpan = (span) => {
  encoded.push(JSON.parse(logger.jsonEncoder.encode(span)));
  return logSpan(span);
};
logger.on('error', (e) => {
  console.error(String(e));
  process.exit(1);
});
logger.on('success', () => {
  console.log(JSON.stringify({ spans: encoded }));
  process.exit(0);
});

const service = `zjs-svc-${args.label}`;
const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }),
                            localServiceName: service, traceId128Bit: true });
tracer.scoped(() => {
  tracer.setId(tracer.createRootId());
  tracer.recordServiceName(service);
  tracer.recordRpc(`GET ${args.label}`);
  tracer.recordAnnotation(new Annotation.ServerRecv());
  tracer.recordAnnotation(new Annotation.LocalAddr({ host: new InetAddress('127.0.0.1'), port: 8080 }));
  tracer.recordBinary('http.path', '/x');
  tracer.recordMessage('custom-event');
  tracer.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'peer-db',
    host: new InetAddress('10.0.0.9'), port: 5432 }));
  tracer.local(`local-${args.label}`, () => { tracer.recordBinary('db.kind', 'cache'); });
  tracer.recordAnnotation(new Annotation.ServerSend());
});
// The batch recorder hands finished spans to the logger at once; post them now.
setTimeout(() => logger.processQueue(logger.fetchImplementation), 50);
setTimeout(() => {
  console.error('no answer from the collector');
  process.exit(1);
}, 15000);
