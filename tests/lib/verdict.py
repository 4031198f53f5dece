"""The one-line verdict the top-level Python checks end with (tests/no-clean-bill.py,
tests/redact-outputs.py, tests/redact-scenario.py, tests/terminal-escapes.py).

Each of them is one automake test that gathers its problems in a list of strings; report()
prints every problem as "FAIL: ...", then "1 passed, 0 failed" or "0 passed, 1 failed",
and returns the exit status for sys.exit(): 0 when the list is empty, else 1.
"""


def report(failures):
    for f in failures:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0
