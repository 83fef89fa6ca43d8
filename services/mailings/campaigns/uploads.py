"""An uploaded file from a request body: the raw body itself, or the ``image`` part of a multipart form.

Parsed with the standard library's MIME parser: a single file field does not justify a dependency.
"""

from __future__ import annotations

from email import message_from_bytes, policy

from shared.errors import InvalidField

# The OpenAPI description of a body that is an image, raw or in a form field named "image".
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def uploaded_file(*, content_type: str, body: bytes, field: str = "image") -> bytes:
    """The file's bytes: the body, or the form part named ``field``; 422 naming the field if there is none."""
    if not content_type.lower().startswith("multipart/form-data"):
        if not body:
            raise InvalidField(field, "the request body is empty; send the image as the body or as a form field")
        return body
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = message_from_bytes(header + body, policy=policy.HTTP)
    if not message.is_multipart():
        raise InvalidField(field, "the multipart body cannot be read")
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            payload = part.get_payload(decode=True)
            # decode=True gives the part's bytes (a multipart part would give a list: a form file never is one).
            return payload if isinstance(payload, bytes) else b""
    raise InvalidField(field, f"the form has no {field!r} file field")
