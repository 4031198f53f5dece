# SPDX-License-Identifier: MIT
"""The pure-Python layer is typed (PEP 561): a py.typed marker beside the package, and every
public function and method annotated, parameters and return."""
import inspect
import os
import typing
import unittest

import pyharness
from pyharness import k8sagent
from k8sagent import agent, errors, investigate, results


def public_callables():
    for mod in (k8sagent, agent, errors, investigate, results):
        for name, obj in vars(mod).items():
            if name.startswith("_") and name != "_from_status":
                continue
            if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
                yield "%s.%s" % (mod.__name__, name), obj
            elif inspect.isclass(obj) and obj.__module__ == mod.__name__:
                for mname, m in vars(obj).items():
                    if inspect.isfunction(m) and (not mname.startswith("_") or mname in (
                            "__init__", "__next__", "__iter__", "__enter__", "__exit__")):
                        yield "%s.%s.%s" % (mod.__name__, name, mname), m
                    elif isinstance(m, property) and not mname.startswith("_"):
                        yield "%s.%s.%s" % (mod.__name__, name, mname), m.fget


class Typing(unittest.TestCase):
    def test_py_typed_marker(self):
        pkg = os.path.dirname(k8sagent.__file__)
        self.assertTrue(os.path.isfile(os.path.join(pkg, "py.typed")), pkg)

    def test_every_public_callable_is_annotated(self):
        missing = []
        for name, fn in public_callables():
            sig = inspect.signature(fn)
            params = list(sig.parameters.values())
            if "." in fn.__qualname__:  # a method: self needs no annotation
                params = params[1:]
            for p in params:
                if p.annotation is p.empty:
                    missing.append("%s(%s)" % (name, p.name))
            if sig.return_annotation is sig.empty:
                missing.append("%s -> ?" % name)
        self.assertEqual(missing, [])

    def test_annotations_resolve(self):
        # The string annotations name real types (typing.get_type_hints evaluates them).
        for name, fn in public_callables():
            typing.get_type_hints(fn)


if __name__ == "__main__":
    pyharness.main()
