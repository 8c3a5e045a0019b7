#!/usr/bin/env bash
# Start-up time: the gateway running one command to its exit, against bare Felix with the same
# third-party bundles (the gateway's runtime less our bundles, same properties and start levels,
# launched from the same jar the same way) running one Gogo command, alternating the two.
#   benchmarks/startup.sh [runs]      (after a build: distribution and benchmarks packaged)
# Prints each run's wall time from exec to exit, then the median and the spread (min-max) of
# each and the ratio of the medians. One run of each first, not counted (the image is created).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
jar=$root/distribution/target/pstore-gateway.jar
classes=$root/benchmarks/target/classes
if ! [[ $runs =~ ^[1-9][0-9]{0,3}$ ]]; then
  echo "startup.sh: runs must be a number from 1 to 9999, not '$runs'" >&2; exit 2
fi
if [[ ! -f $jar || ! -d $classes ]]; then
  echo "startup.sh: build first: mvn -B -q -pl distribution,benchmarks -am package -DskipTests" >&2; exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # the gateway's partition and archive are created here

gateway() { java -jar "$jar" -c "pstore:status" > /dev/null; }
bare() { java -cp "$jar:$classes" org.pstore.benchmarks.BareFelix lb > /dev/null; }
ms() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }

gateway; bare
g=(); b=()
for i in $(seq "$runs"); do
  g+=("$(ms gateway)")
  b+=("$(ms bare)")
  echo "run $i: gateway ${g[-1]} ms, bare Felix ${b[-1]} ms"
done
stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%d %d %d\n", m, v[1], v[NR]}'; }
read -r gm gmin gmax < <(stats "${g[@]}")
read -r bm bmin bmax < <(stats "${b[@]}")
echo "gateway -c pstore:status: median $gm ms (min $gmin, max $gmax) over $runs runs"
echo "bare Felix, same third-party bundles, one command: median $bm ms (min $bmin, max $bmax)"
awk -v g="$gm" -v b="$bm" 'BEGIN { printf "ratio of the medians: %.2f (target at most 1.30)\n", g / b }'
