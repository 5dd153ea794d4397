"""Deployment checks of the VM install: deploy/tempo.service (keys, data paths, stop timeout,
systemd-analyze verify), deploy/tempo.sysusers (systemd-sysusers --root) and `make install`
(DESTDIR, PREFIX, an existing config kept, no user created).
"""
import os
import pathlib
import re
import shlex
import shutil
import tempfile

from deploy_files import expand_make, flag_value, parse_makefile, tempo_data_paths, under
from deploy_lib import (BINARY, ROOT, Skip, check, expect, go_duration_seconds, load_yaml,
                        run)


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
