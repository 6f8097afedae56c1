# The golden cases: "name|command line (relative to the repo root, heapdiff as $HD)".
# Inputs are the third-party fixtures in ../shared/fixtures/gcdump (never copied here).
F=../shared/fixtures/gcdump
GOLDEN_CASES=(
  "leakypage.stat.txt|stat $F/gcdump-analyze-leakypage-android.gcdump"
  "leakypage.stat.json|stat $F/gcdump-analyze-leakypage-android.gcdump --format json --top 40"
  "test2-android.stat.txt|stat $F/gcdump-analyze-test2-android.gcdump"
  "test2-android.stat.json|stat $F/gcdump-analyze-test2-android.gcdump --format json --top 40"
  "perfview-js.stat.txt|stat $F/perfview-test1-js.gcdump"
  "perfview-js.stat.json|stat $F/perfview-test1-js.gcdump --format json --top 40"
  "perfview-wpf.stat.txt|stat $F/perfview-test2-wpf-net4x.gcdump"
  "perfview-wpf.stat.json|stat $F/perfview-test2-wpf-net4x.gcdump --format json --top 40"
  "perfview-wpf.by-module.csv|stat $F/perfview-test2-wpf-net4x.gcdump --format csv --by-module --top 40"
  "android.diff.txt|diff $F/gcdump-analyze-leakypage-android.gcdump $F/gcdump-analyze-test2-android.gcdump"
  "android.diff.json|diff $F/gcdump-analyze-leakypage-android.gcdump $F/gcdump-analyze-test2-android.gcdump --format json --top 40"
  "android.diff.csv|diff $F/gcdump-analyze-leakypage-android.gcdump $F/gcdump-analyze-test2-android.gcdump --format csv --min-bytes 10K"
  "example.diff.txt|tests/data/example/before.gcdump tests/data/example/after.gcdump"
  "example.diff.json|tests/data/example/before.gcdump tests/data/example/after.gcdump --format json --top 10"
  "example-dumps.diff.txt|tests/data/example/before.core.xz tests/data/example/after.core.xz"
  "example-dumps.stat.json|stat tests/data/example/after.core.xz --format json --top 30"
  "example-dumps.info.txt|info tests/data/example/before.core.xz"
)
