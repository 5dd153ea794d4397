#!/usr/bin/env node
// Sends one jaeger.api_v2 PostSpans request with @grpc/grpc-js + @grpc/proto-loader.
//
//   node jaeger_grpc_send.js --addr 127.0.0.1:14250 --plan plan.json [--tenant ID] [--gzip 1]
//
// plan.json is a PostSpansRequest in proto-loader's object form, except that bytes fields
// (trace_id, span_id, v_binary) are hex strings and 64-bit integers are decimal strings.
// Prints {"ok": true} or {"ok": false, "code": <grpc code>, "details": "..."} and exits 0
// (the test decides what outcome it wanted); exits 1 only when the call could not be made.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const def = loader.loadSync(path.join(__dirname, 'jaeger_collector.proto'),
                            { longs: String, enums: String, defaults: false });
const pkg = grpc.loadPackageDefinition(def).jaeger.api_v2;

// Hex strings of the bytes fields become Buffers, recursively.
const BYTES = new Set(['traceId', 'spanId', 'vBinary']);
function convert(value, key) {
  if (Array.isArray(value)) return value.map((v) => convert(v, key));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = convert(v, k);
    return out;
  }
  if (BYTES.has(key) && typeof value === 'string') return Buffer.from(value, 'hex');
  return value;
}

const request = convert(JSON.parse(fs.readFileSync(args.plan, 'utf8')), '');
const options = args.gzip === '1' ? { 'grpc.default_compression_algorithm': 2 } : {};
const client = new pkg.CollectorService(args.addr, grpc.credentials.createInsecure(), options);
const md = new grpc.Metadata();
if (args.tenant) md.set('x-scope-orgid', args.tenant);
client.PostSpans(request, md, { deadline: Date.now() + 10000 }, (err) => {
  if (err) {
    console.log(JSON.stringify({ ok: false, code: err.code, details: err.details }));
  } else {
    console.log(JSON.stringify({ ok: true }));
  }
  client.close();
});
