"""Legal documents benchmark: one invoice's PDF and Factur-X, and 1,000 invoices' in a row.

    .venv/bin/python -m bench.documents_bench [--renders 200] [--invoices 1000]

The rendering package alone (services/orders/documents), in this process, from documents built beforehand:

* one invoice (12 lines, excise, two VAT rates) rendered ``--renders`` times: the PDF alone, then the Factur-X
  (its PDF rendered, the CII XML built and checked against the XSD, made PDF/A-3 with the XML inside);
  p50/p95/max after 10 untimed renders;
* ``--invoices`` different invoices (3 to 15 lines) made into Factur-X one after the other (wall time), and the
  same spread over one process per core, as an issuing worker pool would.

Targets (issue 17): one invoice PDF p95 <= 50 ms; 1,000 invoices with their PDF and Factur-X <= 30 s, on this
2-core machine. Results go to bench/results/documents.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bench.config import RESULTS_DIR

TARGET_PDF_P95_MS = 50.0
TARGET_BATCH_S = 30.0
WARMUP = 10
WINES = ["Château Œuvray", "Clos des Chartrons", "Domaine Ménard", "Cuvée Thiébaut", "Crémant Bérard"]
COLOURS = ["rouge", "blanc", "rosé", "effervescent"]


def _siren(prefix: int) -> str:
    from stdnum import luhn

    digits = f"{prefix:08d}"
    return digits + luhn.calc_check_digit(digits)


def _siret(siren: str) -> str:
    from stdnum import luhn

    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


def _vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def invoice(n: int, lines_count: int) -> Any:
    """The n-th bench invoice: a business buyer, ``lines_count`` wines with excise, a juice at 5.5 %."""
    from services.orders.documents.model import Buyer, Document, DocumentKind, Line, Seller, Totals, VatBreakdown

    seller_siren, buyer_siren = _siren(73282932), _siren(40_000_000 + n)
    seller = Seller(
        "Domaine des Chartrons",
        "SAS",
        ("12 quai des Chartrons",),
        "33000",
        "Bordeaux",
        siren=seller_siren,
        siret=_siret(seller_siren),
        vat_number=_vat(seller_siren),
        rcs_city="Bordeaux",
        rcs_number=seller_siren,
        share_capital_cents=1_000_000,
        iban="FR76 3000 6000 0112 3456 7890 189",
    )
    buyer = Buyer(
        f"Cave n° {n}",
        (f"{n % 200 + 1} rue de la Paix",),
        "75002",
        "Paris",
        is_business=True,
        legal_form="SARL",
        siren=buyer_siren,
        siret=_siret(buyer_siren),
        vat_number=_vat(buyer_siren),
    )
    lines = []
    for i in range(lines_count):
        juice = i == lines_count - 1
        quantity = Decimal(6 * (1 + (n + i) % 20))
        unit = 450 if juice else 800 + (n * 7 + i * 131) % 4000
        name = "Jus de raisin, 1 l" if juice else f"{WINES[i % 5]} {2010 + i % 14}, {COLOURS[i % 4]}, 75 cl"
        amount = int((quantity * unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        excise = 0 if juice else int(quantity * 4)
        lines.append(Line(name, quantity, "bouteille", unit, Decimal("5.5" if juice else "20"), amount, excise))
    rows = []
    for rate in (Decimal(20), Decimal("5.5")):
        base = sum(line.amount_excl_tax_cents + line.excise_cents for line in lines if line.vat_rate == rate)
        vat = int((base * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        rows.append(VatBreakdown(rate, base, vat))
    excl = sum(row.base_cents for row in rows)
    totals = Totals(
        excl, tuple(rows), sum(line.excise_cents for line in lines), excl + sum(r.amount_cents for r in rows)
    )
    issued = dt.date(2026, 1, 1) + dt.timedelta(days=n % 300)
    return Document(
        DocumentKind.INVOICE,
        f"F-2026-{n:05d}",
        issued,
        seller,
        buyer,
        tuple(lines),
        totals,
        due_date=issued + dt.timedelta(days=30),
        payment_terms="30 jours, par virement",
        late_penalty_rate="3 fois le taux d'intérêt légal",
        recovery_indemnity=True,
    )


def _percentiles(samples_s: list[float]) -> dict[str, float]:
    ordered = sorted(samples_s)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _timed(render: Any, document: Any, renders: int) -> dict[str, float]:
    for _ in range(WARMUP):
        render(document)
    samples = []
    for _ in range(renders):
        started = time.perf_counter()
        render(document)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _facturx_bytes(n_and_lines: tuple[int, int]) -> int:
    from services.orders.documents.facturx import render_facturx

    return len(render_facturx(invoice(*n_and_lines)))


def run(*, renders: int = 200, invoices: int = 1_000) -> int:
    """Time one invoice's renders, then ``invoices`` in a row and over the cores; print; 0 when targets are met."""
    from services.orders.documents.facturx import render_facturx
    from services.orders.documents.pdf import render_pdf

    load = os.getloadavg()
    one = invoice(1, 12)
    single = {"pdf": _timed(render_pdf, one, renders), "facturx": _timed(render_facturx, one, renders)}
    specs = [(n, 3 + n % 13) for n in range(invoices)]
    documents = [invoice(*spec) for spec in specs]
    started = time.perf_counter()
    total_bytes = sum(len(render_facturx(document)) for document in documents)
    sequential_s = time.perf_counter() - started
    workers = os.cpu_count() or 1
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        pooled_bytes = sum(pool.map(_facturx_bytes, specs, chunksize=25))
    pooled_s = time.perf_counter() - started
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {workers} cores",
        "python": platform.python_version(),
        "load_average_before": [round(v, 2) for v in load],
        "renders": renders,
        "single": single,
        "batch": {
            "invoices": invoices,
            "sequential_s": round(sequential_s, 2),
            "pooled_s": round(pooled_s, 2),
            "workers": workers,
            "mean_kb": round(total_bytes / invoices / 1024, 1),
            "same_bytes_pooled": pooled_bytes == total_bytes,
        },
        "targets": {"pdf_p95_ms": TARGET_PDF_P95_MS, "batch_s": TARGET_BATCH_S},
    }
    pdf_met = single["pdf"]["p95_ms"] <= TARGET_PDF_P95_MS
    batch_met = sequential_s <= TARGET_BATCH_S
    results["met"] = {"pdf_p95": pdf_met, "batch_sequential": batch_met, "batch_pooled": pooled_s <= TARGET_BATCH_S}
    _print(results)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "documents.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0 if pdf_met and (batch_met or results["met"]["batch_pooled"]) else 1


def _print(results: dict[str, Any]) -> None:
    print(f"\nLegal documents ({results['machine']}, Python {results['python']})")
    print(f"load average before: {results['load_average_before']} (other work on the machine slows every figure)")
    print(f"{'one invoice, 12 lines':34} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for case, label in (("pdf", "PDF"), ("facturx", "PDF + Factur-X (PDF/A-3, XML, XSD)")):
        r = results["single"][case]
        target = f"  target p95 <= {TARGET_PDF_P95_MS:g} ms" if case == "pdf" else ""
        print(f"{label:34} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['max_ms']:>7}{target}")
    b, met = results["batch"], results["met"]
    print(
        f"{b['invoices']:,} invoices, PDF + Factur-X: {b['sequential_s']} s in a row"
        f" ({'ok' if met['batch_sequential'] else 'MISSED'}), {b['pooled_s']} s over {b['workers']} processes"
        f" ({'ok' if met['batch_pooled'] else 'MISSED'}); target <= {TARGET_BATCH_S:g} s; {b['mean_kb']} kB each"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.documents_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=1_000)
    args = parser.parse_args(argv)
    return run(renders=args.renders, invoices=args.invoices)


if __name__ == "__main__":
    sys.exit(main())
