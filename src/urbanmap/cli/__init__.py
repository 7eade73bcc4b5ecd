"""The ``urbanmap`` command line.

Each sub-module registers one command group on the shared argparse parser;
the commands call the same package functions the app uses.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def command_modules() -> list[str]:
    """Every module in this package with a ``register(subparsers)`` function.

    Modules may set ``ORDER`` (int, default 50) to place their commands in
    ``--help``; ties sort by name.
    """
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "register"):
            found.append((getattr(mod, "ORDER", 50), info.name, mod))
    return [f"{__name__}.{name}" for _, name, _ in sorted(found, key=lambda t: (t[0], t[1]))]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="urbanmap", description="urbanmap: maps of Chinese urban-development plans")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in command_modules():
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
