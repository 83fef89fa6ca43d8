"""Regenerate docs/openapi/*.json and docs/asyncapi.json from the code (`make docs`).

Nothing connects: app factories only build objects, so this runs without any server.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from faststream.specification import AsyncAPI

DOCS = Path(__file__).resolve().parent
SERVICES = ("clients", "orders", "reminders", "mailings", "identity")


def _dump(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render() -> dict[Path, str]:
    """Every generated document, by path, as text."""
    # The documents describe the product, not this machine: same broker address everywhere.
    saved = os.environ.get("NEGOCE_AMQP_URL")
    os.environ["NEGOCE_AMQP_URL"] = "amqp://guest:guest@127.0.0.1:5672/"
    try:
        apps = {s: importlib.import_module(f"services.{s}.app").create_app() for s in SERVICES}
    finally:
        if saved is None:
            os.environ.pop("NEGOCE_AMQP_URL")
        else:
            os.environ["NEGOCE_AMQP_URL"] = saved
    documents = {DOCS / "openapi" / f"{s}.json": _dump(app.openapi()) for s, app in apps.items()}
    events = AsyncAPI(
        *(app.state.context.broker for app in apps.values()),
        title="Négoce events",
        version="0.1.0",
        description="Events the services publish through their outboxes and the queues that consume them. "
        "Every message is an envelope (event_id, type, schema_version, occurred_at, account_id, "
        "correlation_id, payload); the AMQP message id is the event id.",
    )
    documents[DOCS / "asyncapi.json"] = _dump(events.to_specification().to_jsonable())
    return documents


def main() -> int:
    """Write the documents; with --check, fail if any committed one is stale."""
    check = "--check" in sys.argv
    stale = []
    for path, text in render().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"stale: {path.relative_to(DOCS.parent)} (run make docs)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
