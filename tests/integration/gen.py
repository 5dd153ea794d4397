#!/usr/bin/python3
"""Generates (once) and imports the Python protobuf module for proto/tempo_it.proto.

The module is written to a cache directory outside the source tree:
  $TEMPO_IT_GEN_DIR/<hash of the .proto> if set, else /tmp/tempo-it-gen-<uid>-<hash>.
Keying the directory on the file's hash means an edited .proto is regenerated and
never mixed up with an old module. Generation writes to a temporary directory and
renames it into place, so concurrent test processes never see a half-written file.

Run directly (setup.sh does) to pre-generate and print the directory.
"""
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "proto")
PROTO_FILE = "tempo_it.proto"


def proto_path():
    return os.path.join(PROTO_DIR, PROTO_FILE)


def gen_dir():
    """Returns the directory holding tempo_it_pb2.py for the current .proto."""
    with open(proto_path(), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    explicit = os.environ.get("TEMPO_IT_GEN_DIR")
    if explicit:
        return os.path.join(explicit, digest)
    return os.path.join(tempfile.gettempdir(), f"tempo-it-gen-{os.getuid()}-{digest}")


def ensure_generated():
    """Runs protoc if the module is missing; returns the directory."""
    out = gen_dir()
    if os.path.exists(os.path.join(out, "tempo_it_pb2.py")):
        return out
    if shutil.which("protoc") is None:
        raise RuntimeError("protoc not found: run tests/integration/setup.sh "
                           "(installs protobuf-compiler)")
    parent = os.path.dirname(out) or "."
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".tempo-it-gen-", dir=parent)
    try:
        subprocess.run(["protoc", "-I", PROTO_DIR, f"--python_out={staging}", PROTO_FILE],
                       check=True, capture_output=True, text=True)
        try:
            os.rename(staging, out)
        except OSError:
            # Another process won the race: copy the file in (same content).
            os.makedirs(out, exist_ok=True)
            shutil.copy(os.path.join(staging, "tempo_it_pb2.py"), out)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"protoc failed: {e.stderr}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def load_pb():
    """Imports and returns the generated tempo_it_pb2 module."""
    try:
        import google.protobuf  # noqa: F401  (Debian python3-protobuf)
    except ImportError as e:
        raise RuntimeError("python3-protobuf missing: run tests/integration/setup.sh and use "
                           "/usr/bin/python3 (not the pyenv python3 on PATH)") from e
    out = ensure_generated()
    if out not in sys.path:
        sys.path.insert(0, out)
    return importlib.import_module("tempo_it_pb2")


if __name__ == "__main__":
    print(ensure_generated())
