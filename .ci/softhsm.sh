#!/usr/bin/env bash
# A throwaway PKCS#11 token (SoftHSM2, Debian's softhsm2; keys made by OpenSC's pkcs11-tool,
# another implementation than ours) for the HSM-signer tests:
#   .ci/softhsm.sh start    install softhsm2 and opensc if missing, make the token and its two
#                           keys (Ed25519 "yz-ed25519", P-256 "yz-p256") and a spare token of
#                           keys to refuse, print the lines to export
#   .ci/softhsm.sh stop     remove the token
# Everything lives under $YZ_HSM_DIR (default /tmp/yinzheng-hsm); nothing listens anywhere.
set -euo pipefail
DIR=${YZ_HSM_DIR:-/tmp/yinzheng-hsm}
LABEL=yinzheng-test
PIN=246810
MODULE=/usr/lib/softhsm/libsofthsm2.so

case "${1:-}" in
  start)
    if [ ! -e "$MODULE" ] || ! command -v pkcs11-tool >/dev/null; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 opensc; } >&2
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$DIR" > "$DIR/softhsm2.conf"
    export SOFTHSM2_CONF="$DIR/softhsm2.conf"
    softhsm2-util --init-token --free --label "$LABEL" --so-pin 13579 --pin "$PIN" >&2
    tool() { pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN" "$@" >&2; }
    tool --keypairgen --key-type EC:edwards25519 --label yz-ed25519 --id 01
    tool --keypairgen --key-type EC:prime256v1 --label yz-p256 --id 02
    # A second token, so that a URI naming no token is ambiguous, holding keys a signer must
    # refuse: one that wants the PIN at every signature, one whose public half is gone.
    softhsm2-util --init-token --free --label "$LABEL-spare" --so-pin 13579 --pin "$PIN" >&2
    spare() { pkcs11-tool --module "$MODULE" --token-label "$LABEL-spare" --login --pin "$PIN" "$@" >&2; }
    spare --keypairgen --key-type EC:edwards25519 --label yz-always --id 03 --always-auth
    spare --keypairgen --key-type EC:edwards25519 --label yz-lonely --id 04
    spare --delete-object --type pubkey --id 04
    echo "SOFTHSM2_CONF=$DIR/softhsm2.conf"
    echo "YINZHENG_TEST_PKCS11_MODULE=$MODULE"
    echo "YINZHENG_TEST_PKCS11_TOKEN=$LABEL"
    echo "YINZHENG_TEST_PKCS11_PIN=$PIN"
    ;;
  stop)
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
