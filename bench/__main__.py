"""Command line: python -m bench [generate|list|events|all] (default: all)."""

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
    events = sub.add_parser("events", help="invoice events into the clients read model (events/s, delay) vs raw "
                                           "aio-pika")
    everything = sub.add_parser("all", help="generate if needed, then list, then events")
    everything.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    for p in (lst, everything):
        p.add_argument("--requests", type=int, default=50, help="timed requests per case (default 50)")
        p.add_argument("--warmup", type=int, default=5, help="untimed requests per case first (default 5)")
        p.add_argument("--depth", type=int, default=10_000, help="rows skipped before the deep page")
        p.add_argument("--limit", type=int, default=50, choices=range(1, 201), metavar="1..200",
                       help="page size measured (default 50)")
    for p in (events, everything):
        p.add_argument("--events", type=int, default=5_000, help="events drained, service started after (default 5000)")
        p.add_argument("--rate", type=float, default=500.0, help="steady publish rate, events/s (default 500)")
        p.add_argument("--duration", type=float, default=20.0, help="seconds at the steady rate (default 20)")
        p.add_argument("--bench-clients", type=int, default=5_000, dest="bench_clients",
                       help="clients in the events bench account (default 5000)")
        p.add_argument("--sample-every", type=int, default=50, help="poll the list row of every Nth event (default 50)")
        p.add_argument("--sustained-fraction", type=float, default=0.5,
                       help="if the service falls behind, measure again at this share of its drain rate (default 0.5)")
        p.add_argument("--max-wait", type=float, default=120.0,
                       help="seconds to wait for the backlog after publishing ends (default 120)")
    args = parser.parse_args(argv or sys.argv[1:] or ["all"])
    command = args.command
    if command == "events":
        return _events(args)
    if command == "generate":
        from bench import generate

        generate.run(clients=args.clients, force=args.force)
        return 0
    if command == "all":
        from bench import generate

        generate.run(clients=args.clients)  # skips the load when the account already holds them
    from bench import list_bench

    listed = list_bench.run(requests=args.requests, warmup=args.warmup, depth=args.depth, limit=args.limit)
    if command == "all":
        return max(listed, _events(args))
    return listed


def _events(args: argparse.Namespace) -> int:
    from bench import events_bench

    return events_bench.run(events=args.events, rate=args.rate, duration=args.duration, clients=args.bench_clients,
                            sample_every=args.sample_every, sustained_fraction=args.sustained_fraction,
                            max_wait=args.max_wait)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: every process the benchmark started has been stopped", file=sys.stderr)
        sys.exit(130)
