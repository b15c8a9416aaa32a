#!/usr/bin/env bash
# Runs every fuzz target under libFuzzer (cargo +nightly fuzz) for SECONDS each, starting from a
# corpus of the matching test vectors plus fuzz/corpus/<target>/. Crashes fail the run and
# leave their input in fuzz/artifacts/<target>/.
# Usage: fuzz/smoke.sh [SECONDS [TARGET...]]   (default 10 s, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
tv=test-vectors
seeds_for() {
  case "$1" in
    decode_certificate|verify_certificate) echo "$tv/certificates/*.cbor" ;;
    qr_text) echo "QR" ;;
    codes) echo "CODES" ;;
    audit_entry|audit_segment|audit_text) echo "$tv/audit/*" ;;
    status_list|status_list_token) echo "$tv/certificates/*.cwt" ;;
    seal_stamp) echo "$tv/seals/*.cose" ;;
    trust_bundle) echo "$tv/bundles/*.cose" ;;
    x509_chain) echo "$tv/x509/*.der" ;;
    presentation) echo "$tv/presentations/*.cbor" ;;
    national_seal) echo "$tv/gm/*.esl" ;;
    national_stamp) echo "$tv/gm/*.ses" ;;
    ofd_package) echo "$tv/gm/*.ofd" ;;
    signed_data) echo "$tv/gm/*.p7s" ;;
    envelope) echo "$tv/security/*.cose $tv/certificates/*.cbor $tv/presentations/*.cbor $tv/seals/*.cose $tv/bundles/*.cose" ;;
    *) echo "" ;;
  esac
}
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^yinzheng-fuzz$')
if [ $# -gt 1 ]; then shift; targets="$*"; fi
cd fuzz
cargo +nightly fuzz build --release >/dev/null
for t in $targets; do
  corpus=$(mktemp -d)
  case "$(seeds_for "$t")" in
    QR) python3 - "$corpus" ../$tv/certificates/*.cbor <<'PY'
import sys, pathlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
def b45(b):
    out = []
    for i in range(0, len(b), 2):
        if i + 1 < len(b):
            n = b[i] * 256 + b[i + 1]; out += [A[n % 45], A[n // 45 % 45], A[n // 2025]]
        else:
            out += [A[b[i] % 45], A[b[i] // 45]]
    return "".join(out)
for f in sys.argv[2:]:
    p = pathlib.Path(f)
    (pathlib.Path(sys.argv[1]) / p.name).write_text("YZ1:" + b45(p.read_bytes()))
# The manifests' own QR texts: YZ2 streams with the preset dictionary.
import json
for m in ("certificates", "presentations"):
    manifest = pathlib.Path(sys.argv[2]).parent.parent / m / "manifest.json"
    for v in json.loads(manifest.read_text(encoding="utf-8"))["vectors"]:
        if "qr" in v:
            (pathlib.Path(sys.argv[1]) / (v["id"] + ".qr")).write_text(v["qr"])
PY
    ;;
    CODES) printf '91350100M000100Y43' > "$corpus/uscc"; printf '11010519491231002X' > "$corpus/id" ;;
    "") : ;;
    *) for pattern in $(seeds_for "$t"); do for f in ../$pattern; do [ -f "$f" ] && cp "$f" "$corpus/"; done; done ;;
  esac
  [ -d "corpus/$t" ] && cp corpus/"$t"/* "$corpus/" 2>/dev/null || true
  printf '%-20s ' "$t"
  cargo +nightly fuzz run --release "$t" "$corpus" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E '^stat::number_of_executed_units|^stat::peak_rss|DONE|ERROR|panicked' | tr '\n' ' '
  echo
  rm -rf "$corpus"
done
