"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip-<version>.py from a host these machines cannot
reach. This runs pip from the interpreter's bundled ensurepip wheel instead,
to install the packages it asks for (pip==<version>) from PyPI.
"""

import ensurepip
import sys
from pathlib import Path

# get-pip.py's own flags; pip itself does not know them.
GET_PIP_FLAGS = {"--no-setuptools", "--no-wheel"}


def bundled_pip_wheel() -> str:
    bundled = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    debian = sorted(Path("/usr/share/python-wheels").glob("pip-*.whl"))
    # The interpreter's own wheel first: Debian's pip 23.0 fails on Python 3.12 and newer.
    wheels = bundled or debian
    if not wheels:
        sys.exit("get_pip stand-in: no bundled pip wheel found in ensurepip")
    return str(wheels[-1])


def main() -> int:
    sys.path.insert(0, bundled_pip_wheel())
    from pip._internal.cli.main import main as pip_main

    args = [a for a in sys.argv[1:] if a not in GET_PIP_FLAGS]
    return pip_main(["install", "--upgrade", *args])


if __name__ == "__main__":
    sys.exit(main())
