"""Command line: python -m bench [generate|list|all] (default: all)."""

from __future__ import annotations

import argparse
import sys

from bench.config import DEFAULT_CLIENTS


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    gen = sub.add_parser("generate", help="load the bench account with N clients (COPY)")
    gen.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    gen.add_argument("--force", action="store_true", help="reload even if the account already has N clients")
    lst = sub.add_parser("list", help="benchmark GET /api/clients through the gateway, and the bare SQL")
    everything = sub.add_parser("all", help="generate if needed, then list")
    everything.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    for p in (lst, everything):
        p.add_argument("--requests", type=int, default=50, help="timed requests per case (default 50)")
        p.add_argument("--warmup", type=int, default=5, help="untimed requests per case first (default 5)")
        p.add_argument("--depth", type=int, default=10_000, help="rows skipped before the deep page")
        p.add_argument("--limit", type=int, default=50, choices=range(1, 201), metavar="1..200",
                       help="page size measured (default 50)")
    args = parser.parse_args(argv or sys.argv[1:] or ["all"])
    command = args.command
    if command == "generate":
        from bench import generate

        generate.run(clients=args.clients, force=args.force)
        return 0
    if command == "all":
        from bench import generate

        generate.run(clients=args.clients)  # skips the load when the account already holds them
    from bench import list_bench

    return list_bench.run(requests=args.requests, warmup=args.warmup, depth=args.depth, limit=args.limit)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: every process the benchmark started has been stopped", file=sys.stderr)
        sys.exit(130)
