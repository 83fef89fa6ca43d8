"""The Statistiques tab: orders, revenue and deliveries per month or year, as a chart and a table."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.base import i18n
from services.console.base.api import ApiError
from services.console.base.web import ApiClient, csrf_protect, is_htmx, language_of, render
from services.console.client_dealings.chart import bar_chart, period_label
from services.console.client_sheet.frame import render_sheet_tab

router = APIRouter(dependencies=[Depends(csrf_protect)])

# What the bars can show (the template names them); the table shows them all.
MEASURES = ("revenue", "orders", "units", "litres")


def _chart(statistics: dict[str, Any], *, measure: str, language: str) -> Any:
    currency = statistics.get("currency") or "EUR"

    def write(value: float) -> str:
        if measure == "revenue":
            return i18n.money(round(value), currency, language=language)
        return i18n.number(round(value, 2), language=language)

    points = []
    for period in statistics["periods"]:
        value = float(period["revenue_cents"] if measure == "revenue" else period[measure])
        label = period_label(period["period"], language=language)
        points.append(
            (period_label(period["period"], language=language, short=True), value, f"{label} : {write(value)}")
        )
    return bar_chart(points, axis_text=write)


@router.get("/clients/{client_id}/statistiques")
async def statistics_tab(
    request: Request,
    api: ApiClient,
    client_id: int,
    group: str = "month",
    container: str = "",
    mesure: str = "revenue",
) -> Response:
    """The client's figures per period (month or year), for all containers or one, with their chart."""
    query = request.query_params
    choice = {
        "group": group if group in ("month", "year") else "month",
        "from": query.get("from", ""),
        "to": query.get("to", ""),
        "container": container,
        "mesure": mesure if mesure in MEASURES else "revenue",
    }
    params = {name: choice[name] for name in ("group", "from", "to", "container") if choice[name]}
    containers = await api.get("/api/orders/containers")
    errors: dict[str, str] = {}
    statistics = None
    try:
        statistics = await api.get(f"/api/clients/{client_id}/statistics", params=params)
    except ApiError as refused:
        if refused.status != 422:
            raise
        errors = refused.field_errors() or {"from": refused.detail}
    language = language_of(request)
    context = {
        "choice": choice,
        "containers": [(str(box["id"]), box["name"]) for box in containers],
        "statistics": statistics,
        "chart": _chart(statistics, measure=choice["mesure"], language=language) if statistics else None,
        "period_label": lambda period: period_label(period, language=language),
        "errors": errors,
    }
    status_code = 422 if errors else 200
    if is_htmx(request) and request.headers.get("hx-target") == "stats-results":
        # The form stays as it is (focus included); only the chart and the table change.
        return render(request, "client_dealings/statistics_results.html", context, status_code=status_code)
    return await render_sheet_tab(
        request,
        api,
        client_id=client_id,
        tab="statistics",
        template="client_dealings/statistics.html",
        context=context,
        status_code=status_code,
    )
