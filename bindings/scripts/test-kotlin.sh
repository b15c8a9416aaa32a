#!/usr/bin/env bash
# The host-JVM Kotlin suite (run generate.sh first): kotlinc from the npm registry's
# kotlin-compiler, JNA from Debian's libjna-java, the machine's JDK 17.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ ! -f /usr/share/java/jna.jar ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java >/dev/null
fi
kh=tools/node_modules/kotlin-compiler
if [ ! -x "$kh/bin/kotlinc" ]; then
  npm install --prefix tools --no-audit --no-fund --silent kotlin-compiler@2.4.20
fi
cp_="/usr/share/java/jna.jar:$kh/lib/kotlin-test.jar"
jar="$target/yinzheng-kotlin-tests.jar"
"$kh/bin/kotlinc" -nowarn -cp "$cp_" \
  $(find "$target/bindings/kotlin" -name '*.kt') bindings/kotlin/src/test/kotlin/*.kt -d "$jar"
java -Djna.library.path="$target/debug" -Dyinzheng.vectors="$PWD/test-vectors/certificates" \
  -cp "$jar:$cp_:$kh/lib/kotlin-stdlib.jar" cn.yinzheng.tests.BindingsTestKt
