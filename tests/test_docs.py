"""docs/ is generated from the code and kept current in the same commit."""

from docs import generate


def test_generated_documents_are_current():
    stale = [path.name for path, text in generate.render().items()
             if not path.exists() or path.read_text() != text]
    assert stale == [], f"run `make docs`: {stale} differ from the code"


def test_every_route_and_event_is_documented():
    documents = {path.name: text for path, text in generate.render().items()}
    for path in ("/api/clients", "/api/clients/{client_id}", "/api/clients/{client_id}/recipients"):
        assert f'"{path}"' in documents["clients.json"]
    for event in ("client.created", "client.updated", "client.blocked", "client.unblocked", "client.deleted",
                  "invoice.issued", "invoice.cancelled"):
        assert event in documents["asyncapi.json"]
