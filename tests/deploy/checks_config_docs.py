"""Deployment checks of the shipped tempo configs (each loads with the real binary's config
loader) and of docs/operations.md (every registered metric and every port is listed; README
points to it).
"""
import pathlib
import re
import tempfile

from deploy_files import (RECEIVER_DEFAULTS, config_check_command, shipped_configs,
                          split_endpoint, tempo_listeners)
from deploy_lib import BINARY, ROOT, STATE, Skip, check, expect, load_yaml, run


# --------------------------------------------------------------------------------------------
# shipped configs against the real loader
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
