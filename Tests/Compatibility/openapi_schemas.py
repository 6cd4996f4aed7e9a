"""Validates JSON bodies against the schemas of LINE's OpenAPI documents (copied in line-openapi/)."""

from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator

_DIRECTORY = Path(__file__).resolve().parent / "line-openapi"
_DOCUMENTS = {}


def _document(name: str) -> dict:
    if name not in _DOCUMENTS:
        _DOCUMENTS[name] = yaml.safe_load((_DIRECTORY / name).read_text())
    return _DOCUMENTS[name]


def _inline(node, schemas, depth=0):
    """Replaces local `$ref`s by the schemas they name (the schemas used here are not recursive)."""
    if depth > 40:
        raise ValueError("schema nesting too deep")
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _inline(schemas[name], schemas, depth + 1)
        return {key: _inline(value, schemas, depth + 1) for key, value in node.items() if key != "discriminator"}
    if isinstance(node, list):
        return [_inline(value, schemas, depth + 1) for value in node]
    return node


def response_schema(document: str, path: str, method: str, status: int) -> dict:
    """The JSON schema of a documented response, with references resolved."""
    spec = _document(document)
    operation = spec["paths"][path][method.lower()]
    responses = operation["responses"]
    response = responses.get(str(status)) or responses["default"]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    return _inline(schema, spec["components"]["schemas"])


def validate(body, document: str, path: str, method: str, status: int) -> None:
    """Raises if `body` does not match the documented response schema."""
    schema = response_schema(document, path, method, status)
    OAS30Validator(schema).validate(body)


def named_schema(document: str, name: str) -> dict:
    spec = _document(document)
    return _inline(spec["components"]["schemas"][name], spec["components"]["schemas"])


def validate_named(body, document: str, name: str) -> None:
    OAS30Validator(named_schema(document, name)).validate(body)
