"""docs/ is generated from the code and kept current in the same commit."""

import json

from docs import generate


def test_generated_documents_are_current():
    stale = [path.name for path, text in generate.render().items() if not path.exists() or path.read_text() != text]
    assert stale == [], f"run `make docs`: {stale} differ from the code"


def test_every_route_and_event_is_documented():
    documents = {path.name: text for path, text in generate.render().items()}
    for path in ("/api/clients", "/api/clients/{client_id}", "/api/clients/{client_id}/recipients"):
        assert f'"{path}"' in documents["clients.json"]
    for event in (
        "client.created",
        "client.updated",
        "client.blocked",
        "client.unblocked",
        "client.deleted",
        "invoice.issued",
        "invoice.cancelled",
    ):
        assert event in documents["asyncapi.json"]


def test_every_operation_lists_its_error_answers_as_problem_json():
    """A generated client knows every error an operation can answer, and its problem+json shape."""
    for name, text in generate.render().items():
        if name.parent.name != "openapi":
            continue
        document = json.loads(text)
        assert {"Problem", "FieldError"} <= set(document["components"]["schemas"])
        assert "HTTPValidationError" not in text
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if not path.startswith("/api/"):
                    continue
                where = f"{name.name} {method.upper()} {path}"
                answers = operation["responses"]
                expected = {"401"} | ({"422"} if operation.get("parameters") or "requestBody" in operation else set())
                if method in ("post", "put", "patch", "delete"):
                    expected |= {"409"}
                if "requestBody" in operation:
                    expected |= {"404", "413"}
                if "{" in path:
                    expected |= {"404"}
                assert expected <= set(answers), (where, sorted(answers))
                for status in {s for s in answers if s.startswith("4")}:
                    content = answers[status]["content"]
                    assert content == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (where, status)
