# The e2e scripts' checks (sourced, after W is set to a work dir): each prints
# "ok" or "FAIL" with what it checked and counts into PASSED and FAILED.
#   check WHAT CMD...    runs CMD, its output in OUT; fails on a non-zero exit (with its stderr's tail)
#   expect WHAT REGEX    OUT matches REGEX (grep -E)
#   same WHAT A B        A and B are the same string
PASSED=0 FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
check() {
  local what=$1; shift
  if OUT=$("$@" 2>"$W/err"); then ok "$what"; else bad "$what :: $* :: $(tail -c 400 "$W/err" | tr '\n' ' ')"; fi
}
expect() { if grep -Eq -- "$2" <<<"$OUT"; then ok "$1"; else bad "$1 :: wanted /$2/ in: $(head -c 400 <<<"$OUT" | tr '\n' ' ')"; fi; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 :: '$2' != '$3'"; fi; }
