"""Command line: python -m bench [generate|list|search|exports|events|reminders|paper|all] (default: all).

generate  load the bench account with N clients, their contacts, invoices and orders (COPY); skipped
          when it already holds them, reloaded when an older generator made it (or with --force)
list      GET /api/clients through the gateway: every tab x sort x direction, first and deep pages
search    GET /api/clients with a search through the gateway: one case per field, compounds, second
          pages; p50/p95/max, the bare SQL of each request, plans (targets 50 ms / 150 ms at p95)
exports   CSV streamed through the gateway (rows/s, service memory) against bare COPY, and an XLSX
          job built by the export worker
events    invoice events into the clients read model (events/s, delay) against raw aio-pika
paper     10,000 address labels on L7160 and 1,000 letters with a background image (the rendering
          library; wall time, pages, file size, peak memory; targets 2 s and 5 s)
reminders 1,000,000 pending reminders, 1,000 due in one second: delay from due time to the
          reminder.due event (p50, p99) through the API relay, a Celery worker and beat; idle poll cost
all       generate if needed, then list, search, exports and events
Results are written to bench/results/*.json.
"""

from __future__ import annotations

import argparse
import sys

from bench.config import DEFAULT_CLIENTS


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    gen = sub.add_parser("generate", help="load the bench account with N clients (COPY)")
    lst = sub.add_parser("list", help="benchmark GET /api/clients through the gateway, and the bare SQL")
    search = sub.add_parser(
        "search", help="benchmark searches on GET /api/clients through the gateway, and their bare SQL"
    )
    events = sub.add_parser(
        "events", help="invoice events into the clients read model (events/s, delay) vs raw aio-pika"
    )
    exports = sub.add_parser(
        "exports",
        help="CSV streamed through the gateway (rows/s, service memory) vs bare "
        "COPY, and an XLSX job of 100,000 clients built by the worker",
    )
    exports.add_argument("--xlsx-rows", type=int, default=100_000, dest="xlsx_rows")
    rem = sub.add_parser(
        "reminders", help="1M pending reminders, 1,000 due in one second: delay due -> reminder.due, idle poll"
    )
    rem.add_argument("--pending", type=int, default=1_000_000)
    rem.add_argument("--burst", type=int, default=1_000)
    rem.add_argument("--rounds", type=int, default=3)
    sub.add_parser("paper", help="10,000 labels on L7160 and 1,000 letters with a background image")
    everything = sub.add_parser("all", help="generate if needed, then list, search, exports, then events")
    for p in (gen, everything):
        p.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
        p.add_argument(
            "--force",
            action="store_true",
            help="reload even if the account already holds N clients as the benchmarks need",
        )
    for p in (lst, search, everything):
        p.add_argument("--requests", type=int, default=50, help="timed requests per case (default 50)")
        p.add_argument("--warmup", type=int, default=5, help="untimed requests per case first (default 5)")
        p.add_argument(
            "--limit",
            type=int,
            default=50,
            choices=range(1, 201),
            metavar="1..200",
            help="page size measured (default 50)",
        )
    for p in (lst, everything):
        p.add_argument("--depth", type=int, default=10_000, help="rows skipped before the deep page")
    for p in (search, everything):
        p.add_argument(
            "--budget",
            type=float,
            default=20.0,
            help="seconds per search case after which timing stops, at least 5 requests (default 20)",
        )
    for p in (events, everything):
        p.add_argument("--events", type=int, default=5_000, help="events drained, service started after (default 5000)")
        p.add_argument("--rate", type=float, default=500.0, help="steady publish rate, events/s (default 500)")
        p.add_argument("--duration", type=float, default=20.0, help="seconds at the steady rate (default 20)")
        p.add_argument(
            "--bench-clients",
            type=int,
            default=5_000,
            dest="bench_clients",
            help="clients in the events bench account (default 5000)",
        )
        p.add_argument("--sample-every", type=int, default=50, help="poll the list row of every Nth event (default 50)")
        p.add_argument(
            "--sustained-fraction",
            type=float,
            default=0.5,
            help="if the service falls behind, measure again at this share of its drain rate (default 0.5)",
        )
        p.add_argument(
            "--max-wait",
            type=float,
            default=120.0,
            help="seconds to wait for the backlog after publishing ends (default 120)",
        )
    args = parser.parse_args(argv or sys.argv[1:] or ["all"])
    command = args.command
    if command == "events":
        return _events(args)
    if command == "paper":
        from bench import paper_bench

        return paper_bench.run()
    if command == "reminders":
        from bench import reminders_bench

        return reminders_bench.run(pending=args.pending, burst_size=args.burst, rounds=args.rounds)
    if command in ("generate", "all"):
        from bench import generate

        # Skips the load when the account already holds them as the benchmarks need.
        generate.run(clients=args.clients, force=args.force)
        if command == "generate":
            return 0
    if command == "search":
        return _search(args)
    if command == "exports":
        from bench import export_bench

        return export_bench.run(xlsx_rows=args.xlsx_rows)
    from bench import list_bench

    listed = list_bench.run(requests=args.requests, warmup=args.warmup, depth=args.depth, limit=args.limit)
    if command == "all":
        from bench import export_bench, paper_bench, reminders_bench

        return max(listed, _search(args), export_bench.run(), _events(args), reminders_bench.run(), paper_bench.run())
    return listed


def _search(args: argparse.Namespace) -> int:
    from bench import search_bench

    return search_bench.run(requests=args.requests, warmup=args.warmup, limit=args.limit, budget=args.budget)


def _events(args: argparse.Namespace) -> int:
    from bench import events_bench

    return events_bench.run(
        events=args.events,
        rate=args.rate,
        duration=args.duration,
        clients=args.bench_clients,
        sample_every=args.sample_every,
        sustained_fraction=args.sustained_fraction,
        max_wait=args.max_wait,
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: every process the benchmark started has been stopped", file=sys.stderr)
        sys.exit(130)
