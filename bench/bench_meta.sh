# Sourced by bench/run.sh and bench/run_full.sh: what a result must name (RESULTS.md rules).

# bench_write_meta <file> <command> <variant>: date, commit (+ "with uncommitted changes"),
# machine, load average, command and variant as one JSON object.
bench_write_meta() {
  local commit dirty=""
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then dirty=" with uncommitted changes"; fi
  python3 - "$1" "$commit$dirty" "$2" "$3" <<'EOF'
import json, os, platform, sys, datetime
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": sys.argv[2],
    "machine": "%d cores %s, %.0f GiB, %s" % (os.cpu_count(), model, mem / 1048576, platform.platform()),
    "load_start": " ".join(open("/proc/loadavg").read().split()[:3]),
    "command": sys.argv[3],
    "variant": sys.argv[4],
}, open(sys.argv[1], "w"))
EOF
}
