#!/usr/bin/env python3
"""Checks the deployment files without a Docker engine and without installing anything.

What it checks (each check prints ok / FAIL / skip with the reason):
  * docker-compose.yaml and every YAML file under docker/ and deploy/ parse;
  * every path docker-compose.yaml refers to exists (build context, Dockerfile, bind mounts), named
    volumes are declared, and the files the Dockerfile COPYs exist and pass .dockerignore;
  * the ports the compose file publishes for the server are ports the server's container config
    listens on (same protocol, not bound to loopback), and the collector, Prometheus, Grafana and
    health checks reach the server on the ports that config sets;
  * the Dockerfile runs exactly the package script and the CMake configure/build commands of the
    Makefile (read from the Makefile), on Debian 12, and runs the binary as a non-root user;
  * deploy/tempo.service has the required keys, writes only where deploy/tempo.yaml keeps its
    data, and passes `systemd-analyze verify` (when that tool works here); the sysusers entry
    creates the user (systemd-sysusers --root, when available);
  * `make install` into a DESTDIR installs binary, unit, sysusers entry and config, keeps an
    existing config, honours PREFIX, and creates no user;
  * every shipped tempo config loads with the real binary's config loader;
  * docs/operations.md lists every metric registered in src/ and every port; README points to it.

Usage: check_deploy.py <repo root> <path of the built tempo binary>
"""
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    # python3-yaml (scripts/install-deps.sh) belongs to Debian's interpreter; ctest may have found
    # another python3 first on PATH.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: python3-yaml is not installed (scripts/install-deps.sh installs it)")
    sys.exit(1)

ROOT = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else pathlib.Path(".").resolve()
BINARY = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT / "build" / "tempo"

FAILURES = []
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


class CheckError(Exception):
    pass


class Skip(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckError(message)


def check(name):
    def wrap(fn):
        start = time.monotonic()
        try:
            detail = fn()
            print(f"ok:   {name}" + (f" ({detail})" if detail else "")
                  + f" [{time.monotonic() - start:.1f}s]")
        except Skip as s:
            print(f"skip: {name}: {s}")
        except CheckError as e:
            print(f"FAIL: {name}: {e}")
            FAILURES.append(name)
        except Exception as e:  # a crash in a check is a failure, not a traceback for the rest
            print(f"FAIL: {name}: {type(e).__name__}: {e}")
            FAILURES.append(name)
        return fn
    return wrap


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def go_duration_seconds(text):
    """Go duration ("30s", "1m30s", "500ms") or systemd time ("120s", "2min", "90") in seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "sec": 1, "m": 60,
             "min": 60, "h": 3600}
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|sec|min|s|m|h)", text):
        expect(m.start() == pos, f"cannot parse duration {text!r}")
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    expect(pos == len(text) and pos > 0, f"cannot parse duration {text!r}")
    return total


# --------------------------------------------------------------------------------------------
# Makefile: variables and the recipes of deps / configure / build

def parse_makefile(path):
    variables, rules, current = {}, {}, None
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        if line.startswith("\t"):
            if current is not None:
                rules[current].append(line[1:])
            continue
        current = None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|=)\s*(.*)$", line)
        if m:
            variables[m.group(1)] = m.group(3).strip()
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*:(?!=)(.*)$", line)
        if m and not m.group(1).startswith("."):
            current = m.group(1)
            rules[current] = []
    return variables, rules


def expand_make(text, variables, depth=0):
    """Expands $(VAR) with the Makefile's defaults; $(shell cmd) becomes the shell's $(cmd)."""
    def repl(m):
        inner = m.group(1)
        if inner.startswith("shell "):
            return "$(" + inner[len("shell "):].strip() + ")"
        return expand_make(variables.get(inner, ""), variables, depth + 1)
    expect(depth < 10, "recursive Makefile variable")
    return re.sub(r"\$\(([^()]*)\)", repl, text)


def shell_commands(text):
    """Splits a shell line into simple commands (on &&, ||, ;) as token lists, without
    redirections."""
    commands = []
    for part in re.split(r"&&|\|\||;", text):
        try:
            tokens = shlex.split(part)
        except ValueError as e:
            raise CheckError(f"cannot split shell command {part!r}: {e}")
        cleaned, skip_next = [], False
        for t in tokens:
            if skip_next:
                skip_next = False
                continue
            if re.fullmatch(r"\d?>>?|<", t):
                skip_next = True
                continue
            if re.match(r"^\d?>>?\S+$", t):
                continue
            cleaned.append(t)
        if cleaned:
            commands.append(cleaned)
    return commands


def make_commands(target, variables, rules):
    expect(target in rules, f"Makefile has no target {target!r}")
    out = []
    for line in rules[target]:
        line = expand_make(line, variables).lstrip("@-+ ")
        out.extend(shell_commands(line))
    return out


# --------------------------------------------------------------------------------------------
# Dockerfile

def parse_dockerfile(path):
    """Returns a list of stages: {"from": image, "name": alias, "instructions": [(op, args)]}."""
    stages, logical = [], []
    buf = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        logical.append(buf)
        buf = ""
    for line in logical:
        op, _, args = line.partition(" ")
        op = op.upper()
        args = args.strip()
        if op == "FROM":
            words = args.split()
            flags = [w for w in words if w.startswith("--")]
            words = [w for w in words if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"from": words[0], "name": name, "flags": flags, "instructions": []})
        else:
            expect(stages, f"instruction {op} before FROM")
            stages[-1]["instructions"].append((op, args))
    return stages


def dockerfile_run_commands(stage):
    out = []
    for op, args in stage["instructions"]:
        if op == "RUN":
            out.extend(shell_commands(args))
    return out


def dockerignore_patterns(context):
    path = context / ".dockerignore"
    if not path.exists():
        return []
    pats = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pats.append(line)
    return pats


def dockerignored(rel, patterns):
    """Docker's rule: a path is excluded if it or one of its parent directories matches the last
    matching pattern (patterns with ! re-include). Globs: *, ?, ** (any number of directories)."""
    def to_regex(p):
        p = p.strip("/")
        out, i = "", 0
        while i < len(p):
            if p.startswith("**/", i):
                out += "(?:.*/)?"
                i += 3
            elif p.startswith("**", i):
                out += ".*"
                i += 2
            elif p[i] == "*":
                out += "[^/]*"
                i += 1
            elif p[i] == "?":
                out += "[^/]"
                i += 1
            else:
                out += re.escape(p[i])
                i += 1
        return re.compile("^" + out + "$")
    parts = pathlib.PurePosixPath(rel).parts
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for p in patterns:
        negate = p.startswith("!")
        rx = to_regex(p[1:] if negate else p)
        if any(rx.match(c) for c in candidates):
            excluded = not negate
    return excluded


# --------------------------------------------------------------------------------------------
# tempo config: listeners as our loader sets them (docs/configuration.md)

RECEIVER_DEFAULTS = {
    ("otlp", "grpc"): ("localhost:4317", "tcp"),
    ("otlp", "http"): ("localhost:4318", "tcp"),
    ("jaeger", "grpc"): ("localhost:14250", "tcp"),
    ("jaeger", "thrift_http"): ("localhost:14268", "tcp"),
    ("jaeger", "thrift_compact"): ("localhost:6831", "udp"),
    ("jaeger", "thrift_binary"): ("localhost:6832", "udp"),
    ("zipkin", None): ("localhost:9411", "tcp"),
}


def split_endpoint(endpoint):
    m = re.fullmatch(r"(\[[^\]]*\]|[^:]*):(\d+)", str(endpoint))
    expect(m, f"endpoint {endpoint!r} is not host:port")
    return m.group(1), int(m.group(2))


def tempo_listeners(cfg):
    """{name: (host, port, proto)} of every listener the config opens."""
    cfg = cfg or {}
    server = cfg.get("server") or {}
    out = {
        "http": (server.get("http_listen_address") or "0.0.0.0",
                 int(server.get("http_listen_port") or 3200), "tcp"),
        "grpc": (server.get("grpc_listen_address") or "0.0.0.0",
                 int(server.get("grpc_listen_port") or 9095), "tcp"),
    }
    receivers = (cfg.get("distributor") or {}).get("receivers")
    if not receivers:
        receivers = {"otlp": {"protocols": {"grpc": None}},
                     "jaeger": {"protocols": {"grpc": None, "thrift_http": None}}}
    for rname, rvalue in receivers.items():
        if rname == "zipkin":
            endpoint = (rvalue or {}).get("endpoint") or RECEIVER_DEFAULTS[("zipkin", None)][0]
            host, port = split_endpoint(endpoint)
            out["zipkin"] = (host, port, "tcp")
            continue
        protocols = (rvalue or {}).get("protocols") or {}
        for pname, pvalue in protocols.items():
            key = (rname, pname)
            expect(key in RECEIVER_DEFAULTS, f"unknown receiver {rname}.{pname}")
            default, proto = RECEIVER_DEFAULTS[key]
            host, port = split_endpoint((pvalue or {}).get("endpoint") or default)
            out[f"{rname}_{pname}"] = (host, port, proto)
    return out


def tempo_data_paths(cfg):
    trace = ((cfg or {}).get("storage") or {}).get("trace") or {}
    return {
        "storage.trace.wal.path": (trace.get("wal") or {}).get("path") or "./data/wal",
        "storage.trace.local.path": (trace.get("local") or {}).get("path") or "./data/blocks",
    }


def under(path, directory):
    p, d = os.path.normpath(path), os.path.normpath(directory)
    return p == d or p.startswith(d.rstrip("/") + "/")


# --------------------------------------------------------------------------------------------
# docker-compose helpers

def compose_ports(service):
    """[(host_port, container_port, proto)] from short ("8080:80/udp") or long syntax."""
    out = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            out.append((int(entry.get("published") or entry["target"]), int(entry["target"]),
                        entry.get("protocol", "tcp")))
            continue
        text = str(entry)
        proto = "tcp"
        if "/" in text:
            text, proto = text.rsplit("/", 1)
        parts = text.rsplit(":", 2)
        expect(all("-" not in p for p in parts[-2:]), f"port ranges are not supported: {entry}")
        container = int(parts[-1])
        host = int(parts[-2]) if len(parts) >= 2 else container
        out.append((host, container, proto))
    return out


def compose_mounts(service):
    """[(source, target, kind)] with kind "bind" or "volume"."""
    out = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            out.append((entry.get("source"), entry["target"], entry.get("type", "volume")))
            continue
        parts = str(entry).split(":")
        source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        out.append((source, target, kind))
    return out


def command_list(service, fallback=()):
    cmd = service.get("command")
    if cmd is None:
        return list(fallback)
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def flag_value(args, *names):
    for i, a in enumerate(args):
        for n in names:
            if a.startswith(n + "="):
                return a[len(n) + 1:]
            if a == n and i + 1 < len(args):
                return args[i + 1]
    return None


def host_file_for(service, container_path):
    for source, target, kind in compose_mounts(service):
        if kind == "bind" and os.path.normpath(target) == os.path.normpath(container_path):
            return (ROOT / source).resolve()
    return None


def http_url(url):
    m = re.fullmatch(r"(https?)://([^/:]+)(?::(\d+))?(/.*)?", str(url))
    expect(m, f"not an http URL: {url!r}")
    port = int(m.group(3)) if m.group(3) else (443 if m.group(1) == "https" else 80)
    return m.group(2), port, m.group(4) or "/"


# --------------------------------------------------------------------------------------------
# the checks

STATE = {}


@check("YAML files parse (docker-compose.yaml, docker/**, deploy/**)")
def _():
    files = [ROOT / "docker-compose.yaml"]
    for d in ("docker", "deploy"):
        files += sorted(p for p in (ROOT / d).rglob("*") if p.suffix in (".yaml", ".yml"))
    for f in files:
        try:
            data = load_yaml(f)
        except yaml.YAMLError as e:
            raise CheckError(f"{f.relative_to(ROOT)}: {e}")
        expect(isinstance(data, dict) and data, f"{f.relative_to(ROOT)}: empty or not a mapping")
    return f"{len(files)} files"


def compose():
    if "compose" not in STATE:
        data = load_yaml(ROOT / "docker-compose.yaml")
        services = data.get("services") or {}
        roles = {}
        for name, svc in services.items():
            image = str(svc.get("image") or "")
            if "build" in svc:
                roles.setdefault("tempo", name)
            elif "opentelemetry-collector" in image:
                roles["collector"] = name
            elif "prometheus" in image:
                roles["prometheus"] = name
            elif "grafana/grafana" in image:
                roles["grafana"] = name
        for role in ("tempo", "collector", "prometheus", "grafana"):
            expect(role in roles, f"docker-compose.yaml has no {role} service")
        STATE["compose"] = (data, services, roles)
    return STATE["compose"]


def dockerfile_path():
    data, services, roles = compose()
    build = services[roles["tempo"]]["build"]
    if isinstance(build, str):
        build = {"context": build}
    context = (ROOT / build.get("context", ".")).resolve()
    return context, (context / build.get("dockerfile", "Dockerfile")).resolve()


@check("compose: every referenced file exists, named volumes are declared")
def _():
    data, services, roles = compose()
    declared = set((data.get("volumes") or {}).keys())
    context, dockerfile = dockerfile_path()
    expect(context.is_dir(), f"build context {context} is not a directory")
    expect(dockerfile.is_file(), f"Dockerfile {dockerfile} does not exist")
    count = 2
    for name, svc in services.items():
        for source, target, kind in compose_mounts(svc):
            if kind == "bind":
                expect((ROOT / source).exists(), f"{name}: mounted file {source} does not exist")
                count += 1
            else:
                expect(source in declared, f"{name}: volume {source} is not declared under volumes:")
        for dep in (svc.get("depends_on") or {}):
            expect(dep in services, f"{name}: depends_on unknown service {dep}")
    return f"{count} paths"


def tempo_container_config():
    """(host path, parsed config, container command) of the config the tempo container runs."""
    if "tempo_cfg" not in STATE:
        data, services, roles = compose()
        svc = services[roles["tempo"]]
        stages = dockerfile_stages()
        final = stages[-1]
        image_cmd = []
        for op, args in final["instructions"]:
            if op == "CMD":
                image_cmd = yaml.safe_load(args) if args.startswith("[") else shlex.split(args)
        args = command_list(svc, image_cmd)
        path = flag_value(args, "-config.file", "--config.file")
        expect(path, f"the {roles['tempo']} service starts without -config.file")
        host = host_file_for(svc, path)
        if host is None:  # not mounted: the file the image COPYs there
            context, _ = dockerfile_path()
            for op, a in final["instructions"]:
                words = [w for w in a.split() if not w.startswith("--")]
                if op == "COPY" and len(words) == 2 and os.path.normpath(words[1]) == path:
                    host = context / words[0]
        expect(host is not None and host.is_file(),
               f"no file provides {path} in the {roles['tempo']} container")
        STATE["tempo_cfg"] = (host, load_yaml(host) or {}, args)
    return STATE["tempo_cfg"]


def dockerfile_stages():
    if "stages" not in STATE:
        _, dockerfile = dockerfile_path()
        STATE["stages"] = parse_dockerfile(dockerfile)
    return STATE["stages"]


@check("compose: published server ports are ports its container config listens on")
def _():
    data, services, roles = compose()
    host, cfg, _ = tempo_container_config()
    listeners = tempo_listeners(cfg)
    by_port = {(port, proto): (name, h) for name, (h, port, proto) in listeners.items()}
    published = compose_ports(services[roles["tempo"]])
    expect(published, "the server publishes no ports")
    for hport, cport, proto in published:
        expect((cport, proto) in by_port,
               f"compose publishes {cport}/{proto} but {host.relative_to(ROOT)} listens on "
               + ", ".join(f"{n}={p}/{pr}" for n, (_, p, pr) in sorted(listeners.items())))
        name, h = by_port[(cport, proto)]
        expect(h not in LOOPBACK, f"{name} listens on {h}:{cport}, unreachable from outside the "
               "container")
    expect(any(c == listeners["http"][1] for _, c, _ in published),
           f"the HTTP port {listeners['http'][1]} is not published")
    for name, (h, port, proto) in listeners.items():
        expect(h not in LOOPBACK, f"{host.relative_to(ROOT)}: {name} listens on {h}:{port}, "
               "unreachable from the other containers")
    # Host ports are unique across services.
    seen = {}
    for sname, svc in services.items():
        for hp, _, proto in compose_ports(svc):
            expect((hp, proto) not in seen, f"host port {hp}/{proto} published by both "
                   f"{seen.get((hp, proto))} and {sname}")
            seen[(hp, proto)] = sname
    return ", ".join(f"{c}/{p}" for _, c, p in published)


@check("compose: server data paths lie on a named volume; stop grace covers graceful shutdown")
def _():
    data, services, roles = compose()
    svc = services[roles["tempo"]]
    host, cfg, _ = tempo_container_config()
    workdir = "/"
    for op, args in dockerfile_stages()[-1]["instructions"]:
        if op == "WORKDIR":
            workdir = os.path.join(workdir, args)
    volumes = [t for s, t, k in compose_mounts(svc) if k == "volume"]
    expect(volumes, "the server has no named volume")
    for key, path in tempo_data_paths(cfg).items():
        full = os.path.normpath(os.path.join(workdir, path))
        expect(any(under(full, v) for v in volumes),
               f"{key} = {full} is not on a volume ({', '.join(volumes)}): data would be lost")
    grace = go_duration_seconds(svc.get("stop_grace_period", "10s"))
    shutdown = go_duration_seconds((cfg.get("server") or {}).get("graceful_shutdown_timeout",
                                                                 "30s"))
    expect(grace > shutdown, f"stop_grace_period {grace}s does not exceed "
           f"server.graceful_shutdown_timeout {shutdown}s")


@check("compose: health checks use /ready on the HTTP port with a tool the image installs")
def _():
    data, services, roles = compose()
    svc = services[roles["tempo"]]
    _, cfg, _ = tempo_container_config()
    http_port = tempo_listeners(cfg)["http"][1]
    test = svc.get("healthcheck", {}).get("test")
    expect(isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"),
           "the server has no healthcheck test")
    words = test[1:] if test[0] == "CMD" else shlex.split(test[1])
    urls = [w for w in words if w.startswith("http")]
    expect(urls, f"healthcheck has no URL: {test}")
    h, port, path = http_url(urls[0])
    expect(h in LOOPBACK and port == http_port and path == "/ready",
           f"healthcheck URL {urls[0]} is not http://localhost:{http_port}/ready")
    tool = words[0]
    runtime_installs = " ".join(a for op, a in dockerfile_stages()[-1]["instructions"]
                                if op == "RUN")
    expect(re.search(r"apt-get install[^&;]*\b" + re.escape(tool) + r"\b", runtime_installs),
           f"healthcheck runs {tool}, which the runtime stage does not install")
    # The image's own HEALTHCHECK matches the default config it ships (config/tempo.yaml).
    image_http = tempo_listeners(load_yaml(ROOT / "config" / "tempo.yaml"))["http"][1]
    hc = [a for op, a in dockerfile_stages()[-1]["instructions"] if op == "HEALTHCHECK"]
    expect(hc, "the Dockerfile has no HEALTHCHECK")
    hc_urls = re.findall(r"https?://\S+", hc[0])
    expect(hc_urls, "the Dockerfile HEALTHCHECK has no URL")
    h, port, path = http_url(hc_urls[0])
    expect(port == image_http and path == "/ready",
           f"Dockerfile HEALTHCHECK {hc_urls[0]} does not match config/tempo.yaml "
           f"(port {image_http}, /ready)")
    expect(re.search(r"\b" + re.escape(hc[0].split("CMD", 1)[1].split()[0]) + r"\b",
                     runtime_installs), "the Dockerfile HEALTHCHECK tool is not installed")
    return f"{tool} http://localhost:{http_port}/ready"


@check("collector: OTLP in on its published ports, exported to the server's OTLP gRPC port")
def _():
    data, services, roles = compose()
    col = services[roles["collector"]]
    args = command_list(col)
    path = flag_value(args, "--config", "-config") or "/etc/otelcol/config.yaml"
    host = host_file_for(col, path)
    expect(host and host.is_file(), f"no mounted collector config at {path}")
    cfg = load_yaml(host)
    protocols = (((cfg.get("receivers") or {}).get("otlp") or {}).get("protocols") or {})
    published = {c for _, c, _ in compose_ports(col)}
    for pname in ("grpc", "http"):
        expect(pname in protocols, f"collector has no OTLP {pname} receiver")
        h, port = split_endpoint(protocols[pname]["endpoint"])
        expect(h not in LOOPBACK, f"collector OTLP {pname} listens on {h}")
        expect(port in published, f"collector OTLP {pname} port {port} is not published")
    exporter = (cfg.get("exporters") or {}).get("otlp") or {}
    h, port = split_endpoint(exporter.get("endpoint", ""))
    _, tcfg, _ = tempo_container_config()
    listeners = tempo_listeners(tcfg)
    expect("otlp_grpc" in listeners, "the server config has no OTLP gRPC receiver")
    expect(h == roles["tempo"] and port == listeners["otlp_grpc"][1],
           f"collector exports to {h}:{port}, the server is {roles['tempo']}:"
           f"{listeners['otlp_grpc'][1]}")
    expect((exporter.get("tls") or {}).get("insecure") is True,
           "collector OTLP exporter must use tls.insecure: true (plaintext inside compose)")
    pipe = (((cfg.get("service") or {}).get("pipelines") or {}).get("traces") or {})
    expect("otlp" in (pipe.get("receivers") or []) and "otlp" in (pipe.get("exporters") or []),
           "collector traces pipeline does not go from otlp to otlp")
    for p in pipe.get("processors") or []:
        expect(p in (cfg.get("processors") or {}), f"pipeline uses undefined processor {p}")


def prometheus_port(svc):
    addr = flag_value(command_list(svc), "--web.listen-address") or "0.0.0.0:9090"
    return split_endpoint(addr)[1]


@check("prometheus: scrapes the server's /metrics, accepts remote write")
def _():
    data, services, roles = compose()
    svc = services[roles["prometheus"]]
    args = command_list(svc)
    path = flag_value(args, "--config.file")
    expect(path, "prometheus runs without --config.file")
    host = host_file_for(svc, path)
    expect(host and host.is_file(), f"no mounted prometheus config at {path}")
    expect("--web.enable-remote-write-receiver" in args,
           "prometheus lacks --web.enable-remote-write-receiver (span metrics)")
    cfg = load_yaml(host)
    _, tcfg, _ = tempo_container_config()
    want = f"{roles['tempo']}:{tempo_listeners(tcfg)['http'][1]}"
    found = False
    for job in cfg.get("scrape_configs") or []:
        for sc in job.get("static_configs") or []:
            if want in (sc.get("targets") or []):
                found = job.get("metrics_path", "/metrics") == "/metrics"
    expect(found, f"no scrape job for {want} at /metrics")
    pport = prometheus_port(svc)
    expect(any(c == pport for _, c, _ in compose_ports(svc)), f"prometheus port {pport} "
           "is not published")
    # Where the server config names a remote-write target, it is this Prometheus.
    gen = (tcfg.get("metrics_generator") or {}).get("storage") or {}
    for rw in gen.get("remote_write") or []:
        h, port, p = http_url(rw["url"])
        expect(h == roles["prometheus"] and port == pport and p == "/api/v1/write",
               f"metrics_generator remote_write {rw['url']} is not "
               f"http://{roles['prometheus']}:{pport}/api/v1/write")
    return want


@check("grafana: Tempo data source on the server's HTTP port, streaming, service map")
def _():
    data, services, roles = compose()
    svc = services[roles["grafana"]]
    files = [(ROOT / s).resolve() for s, t, k in compose_mounts(svc)
             if k == "bind" and t.startswith("/etc/grafana/provisioning/datasources")]
    expect(files, "grafana mounts no data source provisioning file")
    sources = []
    for f in files:
        cfg = load_yaml(f)
        expect(cfg.get("apiVersion") == 1, f"{f.name}: apiVersion must be 1")
        sources += cfg.get("datasources") or []
    by_type = {}
    for ds in sources:
        by_type.setdefault(ds.get("type"), []).append(ds)
    expect(len(by_type.get("tempo", [])) == 1, "exactly one Tempo data source is needed")
    expect(len(by_type.get("prometheus", [])) == 1, "exactly one Prometheus data source is needed")
    tempo, prom = by_type["tempo"][0], by_type["prometheus"][0]
    _, tcfg, _ = tempo_container_config()
    http_port = tempo_listeners(tcfg)["http"][1]
    h, port, _ = http_url(tempo["url"])
    expect(h == roles["tempo"] and port == http_port,
           f"Tempo data source URL {tempo['url']} is not http://{roles['tempo']}:{http_port} "
           "(server.http_listen_port)")
    h, port, _ = http_url(prom["url"])
    expect(h == roles["prometheus"] and port == prometheus_port(services[roles["prometheus"]]),
           f"Prometheus data source URL {prom['url']} does not reach the prometheus service")
    j = tempo.get("jsonData") or {}
    expect((j.get("streamingEnabled") or {}).get("search") is True,
           "jsonData.streamingEnabled.search must be true")
    expect((j.get("serviceMap") or {}).get("datasourceUid") == prom.get("uid"),
           "jsonData.serviceMap.datasourceUid must be the Prometheus data source's uid")
    expect((j.get("tracesToMetrics") or {}).get("datasourceUid") == prom.get("uid"),
           "jsonData.tracesToMetrics.datasourceUid must be the Prometheus data source's uid")
    expect((j.get("nodeGraph") or {}).get("enabled") is True, "jsonData.nodeGraph.enabled")
    for dest in (prom.get("jsonData") or {}).get("exemplarTraceIdDestinations") or []:
        expect(dest.get("datasourceUid") == tempo.get("uid"),
               "exemplarTraceIdDestinations must point at the Tempo data source's uid")
    # Grafana expands $VAR in provisioning files; a literal $ must be written $$.
    for f in files:
        for m in re.finditer(r"(?<!\$)\$(?!\$)[A-Za-z_{]", f.read_text(encoding="utf-8")):
            raise CheckError(f"{f.name}: unescaped $ at offset {m.start()} would be expanded "
                             "as an environment variable (write $$)")
    return tempo["url"]


@check("Dockerfile runs the Makefile's install script, configure and build commands")
def _():
    variables, rules = parse_makefile(ROOT / "Makefile")
    expected = []
    for target in ("deps", "configure", "build"):
        cmds = make_commands(target, variables, rules)
        expect(cmds, f"Makefile target {target} has no commands")
        expected += cmds
    stages = dockerfile_stages()
    expect(len(stages) >= 2, "the Dockerfile needs a build and a runtime stage")
    for st in stages:
        expect(re.fullmatch(r"debian:(12|bookworm)(-slim)?(@sha256:[0-9a-f]+)?", st["from"])
               or any(st["from"] == s["name"] for s in stages),
               f"FROM {st['from']} is not Debian 12 (bookworm)")
    build_stage = None
    for st in stages[:-1]:
        run_cmds = dockerfile_run_commands(st)
        pos = 0
        for cmd in run_cmds:
            if pos < len(expected) and cmd == expected[pos]:
                pos += 1
        if pos == len(expected):
            build_stage = st
    expect(build_stage is not None,
           "no build stage runs, in order: " + " ; ".join(" ".join(c) for c in expected))
    # No other cmake or install-script invocation that differs from the Makefile's.
    for st in stages:
        for cmd in dockerfile_run_commands(st):
            if cmd[0] == "cmake" or cmd[0].endswith("install-deps.sh"):
                expect(cmd in expected, f"Dockerfile runs {' '.join(cmd)!r}, which the Makefile "
                       "does not")
    # The runtime stage takes the binary from the build stage's BUILD_DIR and runs it as non-root.
    workdir = "/"
    for op, args in build_stage["instructions"]:
        if op == "WORKDIR":
            workdir = os.path.join(workdir, args)
    binary = os.path.normpath(os.path.join(workdir, expand_make("$(BUILD_DIR)", variables),
                                           "tempo"))
    final = stages[-1]
    copies = [a.split() for op, a in final["instructions"] if op == "COPY"]
    expect(any(f"--from={build_stage['name']}" in c and binary in c
               and "/usr/local/bin/tempo" in c for c in copies),
           f"the runtime stage does not copy {binary} to /usr/local/bin/tempo")
    users = [a for op, a in final["instructions"] if op == "USER"]
    expect(users and users[-1].split(":")[0] not in ("root", "0"),
           "the runtime stage must end with USER <non-root>")
    entry = [a for op, a in final["instructions"] if op == "ENTRYPOINT"]
    expect(entry and "/usr/local/bin/tempo" in entry[-1], "ENTRYPOINT is not the binary")
    return " ; ".join(" ".join(c) for c in expected)


@check("Dockerfile COPY sources exist and pass .dockerignore; host build trees are ignored")
def _():
    context, _ = dockerfile_path()
    patterns = dockerignore_patterns(context)
    variables, _ = parse_makefile(ROOT / "Makefile")
    build_dir = expand_make("$(BUILD_DIR)", variables)
    for probe in (build_dir, build_dir + "-bench", "data"):
        expect(dockerignored(probe, patterns),
               f".dockerignore does not exclude {probe}/ (a host CMakeCache.txt breaks the "
               "configure step in the image)")
    expect(not dockerignored("src/main.cpp", patterns), ".dockerignore excludes the sources")
    n = 0
    for st in dockerfile_stages():
        for op, args in st["instructions"]:
            if op not in ("COPY", "ADD") or "--from=" in args:
                continue
            words = [w for w in args.split() if not w.startswith("--")]
            for src in words[:-1]:
                expect((context / src).exists(), f"COPY source {src} does not exist")
                if src not in (".", "./"):
                    expect(not dockerignored(src, patterns), f"COPY source {src} is excluded by "
                           ".dockerignore")
                n += 1
    scripts = [w for st in dockerfile_stages() for op, a in st["instructions"] if op == "RUN"
               for w in a.split() if w.startswith(("docker/", "scripts/"))]
    for s in scripts:
        p = context / s
        expect(p.is_file() and os.access(p, os.X_OK), f"RUN uses {s}, which is not an executable "
               "file of the repository")
    return f"{n} sources"


@check("docker/runtime-packages.sh resolves every library of the binary to a Debian package")
def _():
    if not shutil.which("dpkg-query"):
        raise Skip("dpkg-query not available")
    if not BINARY.is_file():
        raise Skip(f"no binary at {BINARY}")
    r = run([str(ROOT / "docker" / "runtime-packages.sh"), str(BINARY)])
    expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr.strip()}")
    packages = r.stdout.split()
    expect(packages, "no packages printed")
    for p in packages:
        q = run(["dpkg-query", "-W", "-f=${Status}", p])
        expect("install ok installed" in q.stdout, f"{p} is not an installed package")
    return " ".join(packages)


# --------------------------------------------------------------------------------------------
# systemd

def parse_unit(path):
    sections, current = {}, None
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        m = re.fullmatch(r"\[([A-Za-z]+)\]", s)
        if m:
            current = m.group(1)
            sections.setdefault(current, [])
            continue
        expect(current is not None, f"{path.name}:{n}: key outside a section")
        expect("=" in s, f"{path.name}:{n}: not key=value: {s!r}")
        k, v = s.split("=", 1)
        sections[current].append((k.strip(), v.strip()))
    return sections


def unit_values(sections, section, key):
    return [v for k, v in sections.get(section, []) if k == key]


def unit_value(sections, section, key):
    vals = unit_values(sections, section, key)
    expect(vals, f"[{section}] {key}= is missing")
    return vals[-1]


@check("deploy/tempo.service: user, ExecStart, state directory, restart, limits, hardening")
def _():
    unit = parse_unit(ROOT / "deploy" / "tempo.service")
    variables, _ = parse_makefile(ROOT / "Makefile")
    prefix = expand_make("$(PREFIX)", variables) or "/usr/local"
    exec_start = shlex.split(unit_value(unit, "Service", "ExecStart"))
    expect(exec_start[0] == f"{prefix}/bin/tempo",
           f"ExecStart runs {exec_start[0]}, make install puts the binary in {prefix}/bin/tempo")
    expect(flag_value(exec_start, "-config.file") == "/etc/tempo/tempo.yaml",
           "ExecStart must pass -config.file=/etc/tempo/tempo.yaml")
    user = unit_value(unit, "Service", "User")
    expect(user == "tempo", f"User={user}, expected tempo")
    state = unit_value(unit, "Service", "StateDirectory")
    state_dir = "/var/lib/" + state
    expect(state_dir == "/var/lib/tempo", f"StateDirectory={state}, expected tempo")
    expect(unit_value(unit, "Service", "WorkingDirectory") == state_dir,
           f"WorkingDirectory must be {state_dir}")
    required = {
        "Restart": "on-failure", "LimitNOFILE": "1048576", "NoNewPrivileges": "yes",
        "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes", "CapabilityBoundingSet": "",
    }
    for k, v in required.items():
        got = unit_value(unit, "Service", k)
        expect(got == v, f"{k}={got}, expected {k}={v}")
    families = set(unit_value(unit, "Service", "RestrictAddressFamilies").split())
    expect(families == {"AF_INET", "AF_INET6", "AF_UNIX"},
           f"RestrictAddressFamilies={' '.join(sorted(families))}")
    rw = " ".join(unit_values(unit, "Service", "ReadWritePaths")).split()
    expect(state_dir in rw, f"ReadWritePaths must include {state_dir}")
    expect(unit_value(unit, "Install", "WantedBy") == "multi-user.target",
           "[Install] WantedBy=multi-user.target")
    expect("network-online.target" in unit_value(unit, "Unit", "After"),
           "After= must include network-online.target")
    # The VM config keeps its data where the unit may write.
    cfg = load_yaml(ROOT / "deploy" / "tempo.yaml")
    writable = rw + [state_dir]
    for key, path in tempo_data_paths(cfg).items():
        full = os.path.normpath(os.path.join(state_dir, path))
        expect(any(under(full, w) for w in writable),
               f"deploy/tempo.yaml {key} = {full} is not writable under ProtectSystem=strict")
        expect(under(full, state_dir), f"deploy/tempo.yaml {key} = {full} is not under "
               f"{state_dir}")
    stop = go_duration_seconds(unit_value(unit, "Service", "TimeoutStopSec"))
    grace = go_duration_seconds((cfg.get("server") or {}).get("graceful_shutdown_timeout", "30s"))
    expect(stop > grace, f"TimeoutStopSec={stop}s does not exceed "
           f"server.graceful_shutdown_timeout={grace}s")
    # The sysusers entry creates that user with that home.
    entries = [l.split() for l in (ROOT / "deploy" / "tempo.sysusers").read_text().splitlines()
               if l.strip() and not l.startswith("#")]
    expect(any(e[0] == "u" and e[1] == user for e in entries),
           f"deploy/tempo.sysusers does not create user {user}")
    expect(state_dir in (ROOT / "deploy" / "tempo.sysusers").read_text(),
           f"deploy/tempo.sysusers: home of {user} is not {state_dir}")


@check("deploy/tempo.service passes systemd-analyze verify")
def _():
    tool = shutil.which("systemd-analyze")
    if not tool:
        raise Skip("systemd-analyze is not installed")
    if not BINARY.is_file():
        raise Skip(f"no binary at {BINARY} to stand in for /usr/local/bin/tempo")
    with tempfile.TemporaryDirectory() as tmp:
        # Does verify work here at all? A trivial unit must pass cleanly.
        probe = pathlib.Path(tmp) / "tempo-probe.service"
        probe.write_text("[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n")
        r = run([tool, "verify", str(probe)])
        if r.returncode != 0 or "tempo-probe.service" in r.stdout + r.stderr:
            raise Skip("systemd-analyze verify does not work in this environment: "
                       + (r.stderr or r.stdout).strip()[:200])
        # The unit as shipped, with ExecStart pointing at the built binary (the only change).
        text = (ROOT / "deploy" / "tempo.service").read_text(encoding="utf-8")
        text = re.sub(r"^ExecStart=/usr/local/bin/tempo", f"ExecStart={BINARY}", text, flags=re.M)
        unit = pathlib.Path(tmp) / "tempo.service"
        unit.write_text(text)
        r = run([tool, "verify", str(unit)])
        lines = [l for l in (r.stdout + r.stderr).splitlines() if "tempo.service" in l]
        expect(r.returncode == 0 and not lines,
               f"exit {r.returncode}: " + " | ".join(lines or [r.stderr.strip()]))
    return "no warnings"


@check("deploy/tempo.sysusers creates the user (systemd-sysusers --root)")
def _():
    tool = shutil.which("systemd-sysusers")
    if not tool:
        raise Skip("systemd-sysusers is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "etc").mkdir()
        (root / "usr/lib/sysusers.d").mkdir(parents=True)
        shutil.copy(ROOT / "deploy" / "tempo.sysusers", root / "usr/lib/sysusers.d/tempo.conf")
        r = run([tool, f"--root={root}"])
        expect(r.returncode == 0 and "tempo.conf" not in r.stderr,
               f"systemd-sysusers: {r.stderr.strip()}")
        passwd = (root / "etc/passwd").read_text() if (root / "etc/passwd").exists() else ""
        entry = [l for l in passwd.splitlines() if l.startswith("tempo:")]
        expect(entry, "no tempo user was created")
        fields = entry[0].split(":")
        expect(fields[5] == "/var/lib/tempo" and fields[6].endswith("nologin"),
               f"tempo user has home {fields[5]} and shell {fields[6]}")
        expect(int(fields[2]) < 1000, f"tempo is not a system user (uid {fields[2]})")
    return entry[0]


@check("make install: DESTDIR staging, PREFIX, existing config kept, no user created")
def _():
    if not shutil.which("make"):
        raise Skip("make is not installed")
    if not BINARY.is_file():
        raise Skip(f"no binary at {BINARY}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # Stand-ins that record any attempt to create a user.
        fake = tmp / "fakebin"
        fake.mkdir()
        marker = tmp / "user-created"
        for name in ("useradd", "systemd-sysusers", "adduser"):
            p = fake / name
            p.write_text(f"#!/bin/sh\necho {name} \"$@\" >> {marker}\n")
            p.chmod(0o755)
        env = dict(os.environ, PATH=f"{fake}:{os.environ.get('PATH', '')}")
        # -o build: treat the build as done; the binary is the one under test.
        base = ["make", "-s", "-C", str(ROOT), "-o", "build", "install",
                f"BUILD_DIR={BINARY.parent}"]
        dest = tmp / "stage"
        r = run(base + [f"DESTDIR={dest}"], env=env)
        expect(r.returncode == 0, f"make install failed: {r.stderr.strip() or r.stdout.strip()}")
        expect(not marker.exists(), f"make install with DESTDIR created a user: "
               f"{marker.read_text().strip() if marker.exists() else ''}")
        expected = {
            "usr/local/bin/tempo": BINARY,
            "etc/systemd/system/tempo.service": ROOT / "deploy" / "tempo.service",
            "etc/tempo/tempo.yaml": ROOT / "deploy" / "tempo.yaml",
            "usr/lib/sysusers.d/tempo.conf": ROOT / "deploy" / "tempo.sysusers",
        }
        for rel, src in expected.items():
            got = dest / rel
            expect(got.is_file(), f"{rel} was not installed")
            expect(got.read_bytes() == src.read_bytes(), f"{rel} differs from {src.name}")
        expect(os.access(dest / "usr/local/bin/tempo", os.X_OK), "the binary is not executable")
        # An existing config is kept.
        cfg = dest / "etc/tempo/tempo.yaml"
        cfg.write_text("# edited by the operator\n")
        r = run(base + [f"DESTDIR={dest}"], env=env)
        expect(r.returncode == 0, f"second make install failed: {r.stderr.strip()}")
        expect(cfg.read_text() == "# edited by the operator\n",
               "make install overwrote an existing /etc/tempo/tempo.yaml")
        # PREFIX moves the binary and the unit follows.
        dest2 = tmp / "stage2"
        r = run(base + [f"DESTDIR={dest2}", "PREFIX=/opt/tempo"], env=env)
        expect(r.returncode == 0, f"make install PREFIX=/opt/tempo failed: {r.stderr.strip()}")
        expect((dest2 / "opt/tempo/bin/tempo").is_file(), "PREFIX is not honoured for the binary")
        unit = parse_unit(dest2 / "etc/systemd/system/tempo.service")
        expect(unit_value(unit, "Service", "ExecStart").startswith("/opt/tempo/bin/tempo "),
               "the installed unit's ExecStart does not follow PREFIX")
    return "binary, unit, sysusers, config"


# --------------------------------------------------------------------------------------------
# shipped configs against the real loader

def shipped_configs():
    host, _, _ = tempo_container_config()
    files = [ROOT / "config" / "tempo.yaml", ROOT / "deploy" / "tempo.yaml", host]
    return list(dict.fromkeys(f.resolve() for f in files))


def config_check_command(config, scratch):
    """The binary's own config check: -config.verify if it has one, else an operator command
    that loads the full config (every key checked) and only lists an empty scratch backend."""
    if "verify" not in STATE:
        r = run([str(BINARY), "-help"])
        STATE["verify"] = "-config.verify" in r.stdout + r.stderr
    if STATE["verify"]:
        return [str(BINARY), f"-config.file={config}", "-config.verify"]
    return [str(BINARY), f"-config.file={config}", f"-storage.trace.local.path={scratch}",
            "list", "tenants"]


@check("every shipped tempo config loads with the binary's config loader")
def _():
    if not BINARY.is_file():
        raise Skip(f"no binary at {BINARY}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # The method must be able to fail: a config with an unknown key is refused.
        bad = tmp / "bad.yaml"
        bad.write_text("server:\n  http_listen_prot: 3200\n")
        r = run(config_check_command(bad, tmp / "scratch-bad"), cwd=tmp)
        expect(r.returncode != 0, "the config check accepted an unknown key; it checks nothing")
        names = []
        for cfg in shipped_configs():
            r = run(config_check_command(cfg, tmp / "scratch"), cwd=tmp)
            expect(r.returncode == 0, f"{cfg.relative_to(ROOT)}: exit {r.returncode}: "
                   + (r.stderr.strip().splitlines() or [""])[-1])
            names.append(str(cfg.relative_to(ROOT)))
    how = "-config.verify" if STATE.get("verify") else "'list tenants' on a scratch backend"
    return f"{', '.join(names)} via {how}"


# --------------------------------------------------------------------------------------------
# documentation

METRIC_CALL = re.compile(
    r'(?:Add(?:Counter|Gauge|Histogram)|AppendGaugeText)\(\s*(?:out,\s*)?"([a-zA-Z_:][a-zA-Z0-9_:]*)"')


@check("docs/operations.md lists every registered metric and every port")
def _():
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    names = set()
    for f in (ROOT / "src").rglob("*.cpp"):
        names.update(METRIC_CALL.findall(f.read_text(encoding="utf-8", errors="replace")))
    expect(len(names) >= 10, f"found only {len(names)} metric registrations in src/")
    missing = sorted(n for n in names if not re.search(r"\b" + re.escape(n) + r"\b", doc))
    expect(not missing, "not documented: " + ", ".join(missing))
    ports = set()
    for cfg in shipped_configs():
        ports.update(p for _, p, _ in tempo_listeners(load_yaml(cfg)).values())
    ports.update(p for (_, _), (e, _) in RECEIVER_DEFAULTS.items()
                 for p in [split_endpoint(e)[1]])
    missing = sorted(p for p in ports if not re.search(r"\b" + str(p) + r"\b", doc))
    expect(not missing, "ports not documented: " + ", ".join(map(str, missing)))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expect("docs/operations.md" in readme, "README.md does not point to docs/operations.md")
    return f"{len(names)} metrics, {len(ports)} ports"


if FAILURES:
    print(f"\n{len(FAILURES)} check(s) failed")
    sys.exit(1)
print("\nall deployment checks passed")
