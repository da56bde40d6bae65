"""The extension privqa._core, built by the repository's CMake (target
privqa_python) for pip and python -m build; everything else is in
pyproject.toml.

The engine's sources are the repository around this folder. An sdist
carries a copy of the ones the module needs in engine/, so the wheel that
python -m build makes from it (or pip from the sdist) builds without the
repository."""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = pathlib.Path(__file__).resolve().parent
# What CMake reads to build privqa_python with tests and benchmarks off.
ENGINE_FILES = ["CMakeLists.txt", "src", "python/CMakeLists.txt", "python/src", "python/privqa"]


def engine_root():
    copy = HERE / "engine"
    return copy if (copy / "CMakeLists.txt").exists() else HERE.parent


class SdistWithEngine(sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        root = engine_root()
        for name in ENGINE_FILES:
            source, target = root / name, pathlib.Path(base_dir) / "engine" / name
            if source.is_dir():
                shutil.copytree(source, target,
                                ignore=shutil.ignore_patterns("*_test.cpp", "__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        configure = ["cmake", "-S", str(engine_root()), "-B", str(build),
                     "-DCMAKE_BUILD_TYPE=Release", "-DPRIVQA_TESTS=OFF", "-DPRIVQA_BENCH=OFF",
                     f"-DPython_EXECUTABLE={sys.executable}"]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        try:  # pybind11 from PyPI, when pip installed it for the build
            import pybind11
            configure.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except ImportError:
            pass
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "privqa_python", "-j",
                        str(os.cpu_count() or 1)], check=True)
        built = next((build / "python" / "privqa").glob("_core*"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built, target)


setup(ext_modules=[Extension("privqa._core", sources=[])],
      cmdclass={"build_ext": CMakeBuild, "sdist": SdistWithEngine})
