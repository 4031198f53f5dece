"""Verdicts shared by the Python tests.

The one-line verdict the top-level Python checks end with (tests/no-clean-bill.py,
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


class Strict:
    """A check that stops the test at the first failure (AssertionError naming it), and
    counts the checks made: ok = Strict(); ok(cond, "what"); ... ok.count."""

    def __init__(self):
        self.count = 0

    def __call__(self, cond, what):
        self.count += 1
        if not cond:
            raise AssertionError(what)

    def done(self, name):
        """Every check passed (a failure raised): say how many; the exit status 0."""
        print("%s: %d checks passed" % (name, self.count))
        return 0


class Tally:
    """Checks that keep going, so one run reports every problem: check = Tally("name");
    check(cond, "what") prints FAIL lines and returns cond; check.skipped.append(...) notes
    a part left out; `return check.summary()` prints "name: N passed, N failed[; skipped: ...]"
    and gives the exit status."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []
        self.skipped = []

    def __call__(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL: " + what)
        return bool(cond)

    def summary(self):
        print("%s: %d passed, %d failed%s" % (self.name, self.passed, len(self.failed),
              "; skipped: " + "; ".join(self.skipped) if self.skipped else ""))
        return 1 if self.failed else 0
