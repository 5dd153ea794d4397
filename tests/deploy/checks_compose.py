"""Deployment checks of docker-compose.yaml: the files parse, every referenced path exists, the
server's published ports, data volume, stop grace and health checks agree with its container
config, and the collector, Prometheus and Grafana reach the server where that config listens.
"""
import os
import re
import shlex

import yaml

from deploy_files import (command_list, compose, compose_mounts, compose_ports, dockerfile_path,
                          dockerfile_stages, flag_value, host_file_for, http_url, prometheus_port,
                          split_endpoint, tempo_container_config, tempo_data_paths,
                          tempo_listeners, under)
from deploy_lib import LOOPBACK, ROOT, CheckError, check, expect, go_duration_seconds, load_yaml


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
