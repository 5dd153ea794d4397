# Sends a small trace with Debian's Ruby `jaeger-client` over UDP (thrift compact, as its
# UdpSender always does) and reports exactly what the client encoded, so the test can derive the
# expected OTLP spans.
#
#   ruby jaeger_ruby_send.rb HOST PORT LABEL
#
# Prints one JSON line {"process": {...}, "spans": [...]}: the thrift Batch handed to the agent
# client (ids and times as unsigned decimal strings, binary values as hex) and exits 0.
require 'jaeger/client'
require 'json'
require 'logger'

host, port, label = ARGV[0], Integer(ARGV[1]), ARGV[2] || 'rb'
MASK = (1 << 64) - 1
TYPES = { 0 => 'STRING', 1 => 'DOUBLE', 2 => 'BOOL', 3 => 'LONG', 4 => 'BINARY' }.freeze

def tag_json(t)
  { 'key' => t.key, 'vType' => TYPES.fetch(t.vType, t.vType.to_s), 'vStr' => t.vStr || '',
    'vDouble' => t.vDouble || 0, 'vBool' => t.vBool ? true : false,
    'vLong' => ((t.vLong || 0) & MASK).to_s, 'vBinary' => (t.vBinary || '').unpack1('H*') }
end

def span_json(s)
  { 'traceIdLow' => (s.traceIdLow & MASK).to_s, 'traceIdHigh' => (s.traceIdHigh & MASK).to_s,
    'spanId' => (s.spanId & MASK).to_s, 'parentSpanId' => (s.parentSpanId & MASK).to_s,
    'operationName' => s.operationName, 'flags' => s.flags,
    'references' => (s.references || []).map do |r|
      { 'refType' => r.refType, 'traceIdLow' => (r.traceIdLow & MASK).to_s,
        'traceIdHigh' => (r.traceIdHigh & MASK).to_s, 'spanId' => (r.spanId & MASK).to_s }
    end,
    'startTime' => s.startTime.to_s, 'duration' => s.duration.to_s,
    'tags' => (s.tags || []).map { |t| tag_json(t) },
    'logs' => (s.logs || []).map { |l| { 'timestamp' => l.timestamp.to_s, 'fields' => l.fields.map { |t| tag_json(t) } } } }
end

# Record every batch the agent client emits.
SENT = []
module RecordBatches
  def emitBatch(batch)
    SENT << batch
    super
  end
end
Jaeger::Thrift::Agent::Client.prepend(RecordBatches)

logger = Logger.new($stderr)
logger.level = Logger::WARN
tracer = Jaeger::Client.build(service_name: "rb-svc-#{label}", host: host, port: port,
                              tags: { 'rb.tag' => 'x', 'rb.num' => 5 }, flush_interval: 1,
                              logger: logger)
root = tracer.start_span("#{label} rb-root",
                         tags: { 'span.kind' => 'server', 'answer' => 42, 'pi' => 3.14, 'flag' => true })
root.log_kv(event: 'hello', detail: 'world')
child = tracer.start_span("#{label} rb-child", child_of: root,
                          tags: { 'span.kind' => 'client', 'http.status_code' => 404 })
child.finish
root.set_tag('error', true)
root.finish
tracer.instance_variable_get(:@reporter).flush

abort('no batch was sent') if SENT.empty?
batch = SENT.first
puts JSON.generate(
  'process' => { 'serviceName' => batch.process.serviceName,
                 'tags' => (batch.process.tags || []).map { |t| tag_json(t) } },
  'spans' => SENT.flat_map(&:spans).map { |s| span_json(s) }
)
