"""The ``urbanmap`` command line.

Each sub-module registers one command group on the shared argparse parser;
the commands call the same package functions the app uses.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES = [
    "urbanmap.cli.geodata",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="urbanmap", description="urbanmap: maps of Chinese urban-development plans")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
