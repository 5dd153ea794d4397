"""Readers of the deployment files for the checks: the Makefile's variables and recipes, the
Dockerfile's stages and .dockerignore, the listeners and data paths a tempo config sets, the
services of docker-compose.yaml, and the cached views of them several checks share.
"""
import os
import pathlib
import re
import shlex

import yaml

from deploy_lib import BINARY, ROOT, STATE, CheckError, expect, load_yaml, run


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
# cached views shared by the checks

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


def prometheus_port(svc):
    addr = flag_value(command_list(svc), "--web.listen-address") or "0.0.0.0:9090"
    return split_endpoint(addr)[1]


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
