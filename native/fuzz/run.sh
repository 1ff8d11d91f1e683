#!/bin/sh
# npm run fuzz -- [--seconds N]: build the plan parser's libFuzzer harness (clang, ASan, UBSan) and run
# it for N seconds (default 60) on the seeds in corpus/. Installs nothing: says what is missing.
# A finding lands in build/findings/; copy it to regressions/ (test/stage.test.ts replays those).
set -eu
cd "$(dirname "$0")"
seconds=60
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
	--seconds=*) seconds="${1#--seconds=}"; shift ;;
	*) echo "fuzz: unknown option '$1' (use --seconds N)" >&2; exit 2 ;;
	esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz: --seconds needs a whole number, not '$seconds'" >&2; exit 2 ;; esac

cc=
for c in clang clang-14 clang-15 clang-16 clang-17 clang-18 clang-19; do
	if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
	echo "fuzz: needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
mkdir -p build/corpus build/findings
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
if ! "$cc" $flags -o build/plan_fuzz plan_fuzz.c ../plan.c 2>build/cc.log; then
	if grep -q "fuzzer" build/cc.log; then
		echo "fuzz: $cc has no libFuzzer runtime (Debian: apt-get install libclang-rt-14-dev, or the one for your clang)" >&2
	else
		echo "fuzz: the harness did not build: $(head -n 1 build/cc.log)" >&2
	fi
	exit 1
fi
cp corpus/* build/corpus/ 2>/dev/null || true
echo "fuzz: $cc, ${seconds}s, seeds from corpus/, findings to build/findings/"
exec ./build/plan_fuzz -max_total_time="$seconds" -dict=plan.dict -max_len=4096 -timeout=5 \
	-artifact_prefix=build/findings/ -print_final_stats=1 build/corpus
