"""``python -m stridecam.batch ...``: the batch command on its own (same as ``stridecam batch``)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from stridecam.batch import command
from stridecam.model.errors import StridecamError


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(prog="stridecam batch", description=command.__doc__.split(
        "\n", 1)[0])
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return command.run(args)
    except StridecamError as exc:
        print(f"stridecam: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stridecam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    from stridecam.cli import redeliver_interrupts

    sys.unraisablehook = redeliver_interrupts
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a late Ctrl-C: the work is done
    sys.exit(code)
