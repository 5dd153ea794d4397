// DuckDB reference of the query benchmark (bench/load/run_query.sh runs it after tempo_query).
//
// Loads the spans the server was given (the CSV of `tempo_corpus --export-csv`, replicated for
// every replay pass exactly as tempo_load loops the corpus: trace IDs XORed with the pass, times
// moved by pass × step, whole batches until --spans) into an in-memory DuckDB table, builds a
// per-trace table (start, end, root span: what a search answer shows and what the block format
// keeps per trace), then times the SQL equivalent of every search warm: the newest --limit
// matching traces with their start, duration, root service/name, matched span count and up to 3
// matched span IDs, i.e. what `<query> with(most_recent=true)` answers (`>>` as a recursive
// walk of parent links from the roots, see `descendants`). Tag values are
// SELECT DISTINCT. Prints a table and one JSON line per query; with --ours (tempo_query's JSON
// lines) also checks the server's answers against DuckDB's: the most_recent answer must be the
// same traces, and every trace of the default (early-stopping) answer must be a match.
//
//   node duckdb_ref.mjs --module=DIR --csv=FILE --spans=N [--iterations=5] [--warmup=1]
//                       [--limit=20] [--service=payment] [--ours=query.jsonl] [--json-out=FILE]
//                       [--db=FILE]
import { createRequire } from 'node:module';
import { appendFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = a.match(/^--([^=]+)=(.*)$/s);
  if (!m) throw new Error(`bad argument ${a}`);
  return [m[1], m[2]];
}));
for (const required of ['module', 'csv', 'spans']) {
  if (!args[required]) throw new Error(`--${required} is required`);
}
const iterations = Number(args.iterations ?? 5);
const warmup = Number(args.warmup ?? 1);
const limit = Number(args.limit ?? 20);
const service = (args.service ?? 'payment').replaceAll("'", "''");
const targetSpans = BigInt(args.spans);

const require = createRequire(join(resolve(args.module), 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const meta = JSON.parse(readFileSync(`${args.csv}.json`, 'utf8'));
// In memory by default; --db=FILE (large runs) lets DuckDB's buffer manager evict to disk.
const db = await DuckDBInstance.create(args.db ?? ':memory:');
const con = await db.connect();
const rowsOf = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

// --- load -----------------------------------------------------------------------------------
const t0 = process.hrtime.bigint();
const csv = args.csv.replaceAll("'", "''");
await con.run(`CREATE TABLE raw AS SELECT * FROM read_csv('${csv}', header = true, quote = '"',
  escape = '"', columns = {
    'batch': 'UINTEGER', 'trace_hi': 'UBIGINT', 'trace_lo': 'UBIGINT', 'span_id': 'UBIGINT',
    'parent_span_id': 'UBIGINT', 'name': 'VARCHAR', 'service': 'VARCHAR', 'start_ns': 'UBIGINT',
    'end_ns': 'UBIGINT', 'duration_ns': 'UBIGINT', 'status_code': 'UTINYINT', 'kind': 'UTINYINT',
    'http_status_code': 'INTEGER', 'http_response_status_code': 'INTEGER',
    'http_method': 'VARCHAR', 'http_request_method': 'VARCHAR', 'db_system': 'VARCHAR'})`);
const csvSeconds = seconds(t0);

// Which batches of which pass tempo_load sent for --spans (whole batches until the count is
// reached, the corpus looping).
const perBatch = (await rowsOf('SELECT batch, count(*) AS n FROM raw GROUP BY batch ORDER BY batch'))
  .map((r) => BigInt(r.n));
if (perBatch.length !== meta.corpus_batches) {
  throw new Error(`${args.csv} holds ${perBatch.length} batches, the corpus ${meta.corpus_batches}: ` +
                  'export the whole corpus (no --max-spans)');
}
const passes = [];  // [pass, last batch index included]
let issued = 0n;
for (let pass = 0; issued < targetSpans; ++pass) {
  let last = -1;
  for (let b = 0; b < perBatch.length && issued < targetSpans; ++b) {
    issued += perBatch[b];
    last = b;
  }
  passes.push([pass, last]);
}
const step = BigInt(meta.pass_step_ns);
const cols = `span_id, parent_span_id, name, service, start_ns + {shift} AS start_ns,
  end_ns + {shift} AS end_ns, duration_ns, status_code, kind, http_status_code,
  http_response_status_code, http_method, http_request_method, db_system`;
for (const [pass, last] of passes) {
  // tempo_load XORs byte i (i < 4) of the trace ID with pass >> 8i; byte 0 is the top byte of
  // the big-endian 128-bit ID.
  let mask = 0n;
  for (let i = 0n; i < 4n; ++i) mask |= ((BigInt(pass) >> (8n * i)) & 0xffn) << (8n * (15n - i));
  const select = `SELECT xor((trace_hi::UHUGEINT << 64) | trace_lo::UHUGEINT, ${mask}::UHUGEINT)
    AS trace_id, ${cols.replaceAll('{shift}', `${BigInt(pass) * step}::UBIGINT`)}
    FROM raw WHERE batch <= ${last}`;
  await con.run(pass === 0 ? `CREATE TABLE spans AS ${select}` : `INSERT INTO spans ${select}`);
}
await con.run('DROP TABLE raw');
await con.run(`CREATE TABLE traces AS SELECT trace_id, min(start_ns) AS start_ns,
  max(end_ns) AS end_ns, any_value(service) FILTER (WHERE parent_span_id = 0) AS root_service,
  any_value(name) FILTER (WHERE parent_span_id = 0) AS root_name, count(*) AS span_count
  FROM spans GROUP BY trace_id`);
const loadSeconds = seconds(t0);
const [counts] = await rowsOf(`SELECT (SELECT count(*) FROM spans) AS spans,
  (SELECT count(*) FROM traces) AS traces, current_setting('threads') AS threads,
  version() AS version,
  (SELECT sum(memory_usage_bytes) FROM duckdb_memory()) AS memory_bytes`);
if (BigInt(counts.spans) !== issued) throw new Error(`loaded ${counts.spans} spans, expected ${issued}`);

// --- queries --------------------------------------------------------------------------------
// m(trace_id, matched, span_ids): the matching traces; the answer is their newest `limit`.
const answer = (m) => `WITH RECURSIVE ${m}
  SELECT hex(t.trace_id) AS trace_id, t.root_service, t.root_name, t.start_ns,
         (t.end_ns - t.start_ns) / 1e6 AS duration_ms, m.matched, m.span_ids
  FROM m JOIN traces t USING (trace_id)
  ORDER BY t.start_ns DESC, t.trace_id DESC LIMIT ${limit}`;
const filter = (where, having = '') => `m AS (
  SELECT trace_id, count(*) AS matched, list(span_id)[1:3] AS span_ids
  FROM spans WHERE ${where} GROUP BY trace_id ${having})`;
// { status = error } >> { span.db.system = "postgresql" }: postgresql spans with an error span
// among their ancestors. As in Tempo (nested-set numbers assigned by a walk from each root), only
// spans connected to a root take part: the walk starts at the roots (no parent) and carries
// whether an ancestor is an error span; spans under a missing parent are never reached.
const descendants = `w(trace_id, span_id, is_error, error_above) AS (
    SELECT trace_id, span_id, status_code = 2, false FROM spans WHERE parent_span_id = 0
    UNION ALL
    SELECT c.trace_id, c.span_id, c.status_code = 2, w.error_above OR w.is_error FROM w
    JOIN spans c ON c.trace_id = w.trace_id AND c.parent_span_id = w.span_id),
  m AS (
    SELECT s.trace_id, count(*) AS matched, list(s.span_id)[1:3] AS span_ids
    FROM w JOIN spans s ON s.trace_id = w.trace_id AND s.span_id = w.span_id
    WHERE w.error_above AND s.db_system = 'postgresql' GROUP BY s.trace_id)`;
const searches = [
  ['status500_legacy', '{ span.http.status_code = 500 }', filter('http_status_code = 500')],
  ['status500', '{ span.http.response.status_code = 500 }', filter('http_response_status_code = 500')],
  ['service_duration', `{ resource.service.name = "${args.service ?? 'payment'}" && duration > 100ms }`,
   filter(`service = '${service}' AND duration_ns > 100000000`)],
  ['error_desc_postgres', '{ status = error } >> { span.db.system = "postgresql" }', descendants],
  ['get_count', '{ name =~ "GET.*" } | count() > 3',
   filter(`regexp_full_match(name, 'GET.*')`, 'HAVING count(*) > 3')],
  ['nomatch', '{ span.http.response.status_code = 599 }', filter('http_response_status_code = 599')],
];
const tags = [
  ['tag_service', 'tag values resource.service.name', 'service'],
  ['tag_http_method_legacy', 'tag values span.http.method', 'http_method'],
  ['tag_http_request_method', 'tag values span.http.request.method', 'http_request_method'],
];

const pct = (v, q) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : 0;
};
const time = async (sql) => {
  let rows = [];
  const ms = [];
  for (let i = 0; i < warmup + iterations; ++i) {
    const t = process.hrtime.bigint();
    rows = await rowsOf(sql);
    if (i >= warmup) ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { rows, ms };
};
const norm = (hex) => String(hex).toLowerCase().replace(/^0+/, '');

const ours = new Map();
if (args.ours) {
  for (const line of readFileSync(args.ours, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    if (r.type === 'query') ours.set(r.id, r);
  }
}

const out = [];
const loadLine = {
  type: 'duckdb_load', version: counts.version, threads: Number(counts.threads),
  spans: Number(counts.spans), traces: Number(counts.traces), passes: passes.length,
  csv_read_s: csvSeconds, load_s: loadSeconds, memory_mib: Number(counts.memory_bytes) / 1048576,
};
out.push(loadLine);
for (const [id, text, m] of searches) {
  const { rows, ms } = await time(answer(m));
  // Untimed: every matching trace, to check the server's answers.
  const all = new Set((await rowsOf(`WITH RECURSIVE ${m} SELECT hex(trace_id) AS id FROM m`))
    .map((r) => norm(r.id)));
  const line = { type: 'duckdb', id, query: text, n: ms.length, p50_ms: pct(ms, 0.5),
                 p99_ms: pct(ms, 0.99), max_ms: pct(ms, 1), rows: rows.length, matches: all.size };
  const mr = ours.get(`${id}_mr`);
  if (mr) {
    const mine = new Set(rows.map((r) => norm(r.trace_id)));
    const theirs = (mr.trace_ids ?? []).map(norm);
    line.most_recent_same = theirs.filter((t) => mine.has(t)).length === mine.size &&
                            theirs.length === mine.size;
    line.most_recent_overlap = `${theirs.filter((t) => mine.has(t)).length}/${mine.size}`;
  }
  const dflt = ours.get(id);
  if (dflt) {
    const theirs = (dflt.trace_ids ?? []).map(norm);
    line.default_valid = `${theirs.filter((t) => all.has(t)).length}/${theirs.length}`;
    line.default_count_ok = theirs.length === Math.min(limit, all.size);
  }
  out.push(line);
}
for (const [id, text, column] of tags) {
  const { rows, ms } = await time(`SELECT DISTINCT ${column} AS v FROM spans WHERE ${column} IS NOT NULL`);
  out.push({ type: 'duckdb', id, query: text, n: ms.length, p50_ms: pct(ms, 0.5),
             p99_ms: pct(ms, 0.99), max_ms: pct(ms, 1), rows: rows.length,
             ours_values: ours.get(id)?.results });
}

console.log(`DuckDB ${counts.version}, ${counts.threads} threads: ${counts.spans} spans, ` +
            `${counts.traces} traces (${passes.length} pass(es)) loaded in ${loadSeconds.toFixed(1)} s ` +
            `(CSV read ${csvSeconds.toFixed(1)} s), ${loadLine.memory_mib.toFixed(0)} MiB`);
const table = [['query', 'p50 ms', 'p99 ms', 'rows', 'matching traces', 'server check']];
for (const r of out.filter((x) => x.type === 'duckdb')) {
  const parts = [];
  if (r.most_recent_overlap !== undefined) parts.push(`most_recent: ${r.most_recent_overlap} same`);
  if (r.default_valid !== undefined) parts.push(`default: ${r.default_valid} are matches`);
  if (r.ours_values !== undefined) parts.push(`server: ${r.ours_values} values`);
  const check = parts.join(', ') || '-';
  table.push([r.query, r.p50_ms.toFixed(1), r.p99_ms.toFixed(1), String(r.rows),
              r.matches === undefined ? '-' : String(r.matches), check]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}
for (const r of out) {
  const line = JSON.stringify(r);
  console.log(line);
  if (args['json-out']) appendFileSync(args['json-out'], `${line}\n`);
}
