# The fake destination servers' own TAP test (tests/fakes/test_fakes.py),
# run with $PYTHON3 from make check.
: "${top_srcdir:=.}"
if [ -z "${PYTHON3:-}" ] || ! command -v "$PYTHON3" >/dev/null 2>&1; then
	echo "not ok 1 - python3 is missing (PYTHON3 unset)"
	echo "1..1"
	exit 1
fi
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "$PYTHON3" "$top_srcdir/tests/fakes/test_fakes.py"
