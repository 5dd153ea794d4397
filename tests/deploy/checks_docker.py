"""Deployment checks of the Dockerfile: it runs the Makefile's install script, configure and
build commands on Debian 12 and the binary as non-root; its COPY sources exist and pass
.dockerignore; docker/runtime-packages.sh names the Debian packages of the binary's libraries.
"""
import os
import re
import shutil

from deploy_files import (dockerfile_path, dockerfile_run_commands, dockerfile_stages,
                          dockerignore_patterns, dockerignored, expand_make, make_commands,
                          parse_makefile)
from deploy_lib import BINARY, ROOT, Skip, check, expect, run


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
