"""Runtime overrides file (issue "Compactor, retention and per-tenant overrides", item 5):
per_tenant_override_config is read at start and re-read while running; a broken file keeps the
last good limits and the server keeps running."""
import os
import shutil
import tempfile
import time

import clients
import otlp
from harness import case


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # readers see the old or the new file, never half of one


def _limit_file(max_bytes):
    return f'overrides:\n  "single-tenant":\n    global:\n      max_bytes_per_trace: {max_bytes}\n'


def _push_status(ctx, pb, srv, spans):
    plan = [otlp.simple_batch(ctx.ids, "ovr", ctx.ids.trace(), spans, pad=1000)]
    return clients.push_plan_http(pb, srv, plan).status


def _poll(fn, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.05)  # poll interval, not synchronisation
    return False


@case("runtime_overrides")
def runtime_overrides(ctx):
    """A change of the overrides file applies without restart; a bad file is logged and ignored."""
    pb = ctx.pb
    conf_dir = tempfile.mkdtemp(prefix="tempo-it-overrides-")
    path = os.path.join(conf_dir, "overrides.yaml")
    _write(path, _limit_file(3000))
    extra = {"overrides": {"per_tenant_override_config": path,
                           "per_tenant_override_period": "100ms"}}
    try:
        with ctx.server(extra_config=extra) as srv:
            srv.start()
            with ctx.step("the file's limit applies from the start"):
                ctx.check("a 5-span trace of ~5 KB is refused (file limit 3000 bytes)",
                          _push_status(ctx, pb, srv, 5) == 429)
                ctx.check("a 1-span trace is accepted", _push_status(ctx, pb, srv, 1) == 200)

            with ctx.step("a changed file applies while running"):
                _write(path, _limit_file(100000))
                ctx.check("the 5-span trace is accepted once the file says 100000 bytes",
                          _poll(lambda: _push_status(ctx, pb, srv, 5) == 200), srv.log_tail())

            with ctx.step("a broken file keeps the last good limits"):
                _write(path, 'overrides:\n  "single-tenant":\n    no_such_limit: 1\n')
                failed = _poll(lambda: clients.metric_sum(
                    clients.metrics(srv), "tempo_runtime_config_last_reload_successful") == 0)
                ctx.check("tempo_runtime_config_last_reload_successful drops to 0", failed,
                          srv.log_tail())
                ctx.check("the server logs which key is wrong",
                          "no_such_limit" in srv.log_tail(200), srv.log_tail())
                ctx.check("the previous limit (100000 bytes) still applies",
                          _push_status(ctx, pb, srv, 5) == 200)
                ctx.expect_ready(srv, "after a broken overrides file")

            with ctx.step("fixing the file recovers"):
                _write(path, _limit_file(3000))
                ctx.check("the 3000-byte limit applies again",
                          _poll(lambda: _push_status(ctx, pb, srv, 5) == 429), srv.log_tail())
                ctx.check("tempo_runtime_config_last_reload_successful is 1 again",
                          clients.metric_sum(clients.metrics(srv),
                                             "tempo_runtime_config_last_reload_successful") == 1)
    finally:
        shutil.rmtree(conf_dir, ignore_errors=True)
