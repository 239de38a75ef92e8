"""Offline stand-in for the get-pip script ansible-test downloads into each venv.

ansible-test looks for ``~/.ansible/test/cache/get_pip_<version>.py`` before it
downloads one; ``make setup`` copies this file there. It bootstraps pip with
the interpreter's own ensurepip, then installs what ansible-test asked for.
"""

import subprocess
import sys

DROPPED = {"--no-setuptools", "--no-wheel"}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in DROPPED]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)


if __name__ == "__main__":
    main()
