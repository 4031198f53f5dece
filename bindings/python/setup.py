# SPDX-License-Identifier: MIT
"""Build of the k8sagent Python package for pip: the SWIG extension _k8sagent_c (with its
proxy module k8sagent_c) compiled against the installed libk8sagent, found with pkg-config,
and the pure-Python package k8sagent. Metadata lives in pyproject.toml; the version is the
library's (`pkg-config --modversion k8sagent`)."""
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = "k8sagent"


def pkg_config(*args):
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    try:
        out = subprocess.run([exe] + list(args) + [PKG], check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit("k8sagent: pkg-config is missing (Debian package pkg-config)")
    except subprocess.CalledProcessError as e:
        sys.exit("k8sagent: pkg-config cannot find libk8sagent (%s). Install the library first "
                 "(make install), or set PKG_CONFIG_PATH to the directory of its k8sagent.pc."
                 % e.stderr.strip())
    return out.strip()


def flags(option, prefix):
    return [f[len(prefix):] for f in shlex.split(pkg_config(option)) if f.startswith(prefix)]


def swig_interface_dir():
    """bindings/swig next to this directory (the source tree), or K8SA_SWIG_DIR."""
    d = os.environ.get("K8SA_SWIG_DIR") or os.path.join(HERE, "..", "swig")
    if not os.path.exists(os.path.join(d, "k8sagent.i")):
        sys.exit("k8sagent: bindings/swig/k8sagent.i not found next to bindings/python "
                 "(build from the source tree, or set K8SA_SWIG_DIR)")
    return d


class BuildSwig(build_ext):
    """Run swig into the build directories first, so its proxy module k8sagent_c.py lands
    next to the extension in the wheel."""

    def run(self):
        swig = shutil.which(os.environ.get("SWIG", "swig"))
        if not swig:
            sys.exit("k8sagent: swig is missing (Debian package swig)")
        os.makedirs(self.build_temp, exist_ok=True)
        os.makedirs(self.build_lib, exist_ok=True)
        wrap = os.path.join(self.build_temp, "k8sagent_wrap.c")
        cmd = [swig, "-python", "-threads"] + ["-I" + d for d in flags("--cflags-only-I", "-I")] + \
              ["-I" + swig_interface_dir(), "-outdir", self.build_lib, "-o", wrap,
               os.path.join(HERE, "k8sagent_python.i")]
        print(" ".join(cmd))
        subprocess.run(cmd, check=True)
        for ext in self.extensions:
            ext.sources = [wrap]
        super().run()


def extension():
    libdirs = flags("--libs-only-L", "-L")
    # The library's own libdir (without a pkg-config sysroot) as the run path when it is not
    # a directory the dynamic linker searches anyway.
    libdir = pkg_config("--variable=libdir")
    rpath = [] if libdir.startswith(("/usr/lib", "/lib")) else [libdir]
    return Extension("_k8sagent_c", sources=["k8sagent_python.i"],
                     include_dirs=flags("--cflags-only-I", "-I"), library_dirs=libdirs,
                     libraries=flags("--libs-only-l", "-l"), runtime_library_dirs=rpath,
                     extra_compile_args=["-fno-strict-aliasing"])


setup(version=pkg_config("--modversion"), ext_modules=[extension()], cmdclass={"build_ext": BuildSwig})
