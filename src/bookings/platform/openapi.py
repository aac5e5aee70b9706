"""The OpenAPI document's parts that FastAPI cannot see: the API methods' requests (their
endpoints take the raw request), their error answers in the Wix envelope, and the
credential each takes; :func:`merge_request_schemas` puts the request schemas in the
document next to FastAPI's response schemas without one name meaning two schemas."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

if TYPE_CHECKING:
    from bookings.platform.routing import ApiMethod

_REF = "#/components/schemas/{model}"

_PATH_PARAM = re.compile(r"\{([^}/]+)\}")
#: The component every error answer refers to: the Wix error envelope.
ERROR_SCHEMA = "WixError"
_ERROR_REF = _REF.format(model=ERROR_SCHEMA)
_ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "title": ERROR_SCHEMA,
    "description": "The Wix error envelope: a message, and details of the application error "
    "(its code and data) or of the fields that failed validation.",
    "required": ["message", "details"],
    "properties": {
        "message": {"type": "string"},
        "details": {
            "type": "object",
            "properties": {
                "applicationError": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "description": {"type": "string"},
                        "data": {"type": "object"},
                    },
                },
                "validationError": {
                    "type": "object",
                    "properties": {
                        "fieldViolations": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"type": "string"},
                                    "description": {"type": "string"},
                                    "violatedRule": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            },
        },
    },
}
_ERROR_DESCRIPTIONS = {
    400: "Invalid request: a field failed validation (INVALID_ARGUMENT)",
    401: "No credential, or an unknown or expired one",
    403: "The credential may not call this method, or belongs to another site",
    404: "A record named by the request does not exist on this site",
    409: "Another write came first (revision mismatch), or the record exists already",
    428: "A business rule refuses the request now (FAILED_PRECONDITION)",
    429: "Too many requests from this caller: retry after the seconds in Retry-After",
    501: "Not implemented by this server",
    503: "The database is unavailable right now: try again",
}


@dataclass
class SchemaBook:
    """JSON schemas of the request models, for the OpenAPI document: made all at once, so that
    two models of one name (``ResourceIn`` of staff and of calendar events) get two names."""

    definitions: dict[str, Any]
    #: The component name of each request model.
    names: dict[type[BaseModel], str]

    @classmethod
    def of(cls, models: Iterable[type[BaseModel]]) -> SchemaBook:
        unique = list(dict.fromkeys(models))
        refs, top = models_json_schema(
            [(model, "validation") for model in unique], by_alias=True, ref_template=_REF
        )
        names = {model: refs[(model, "validation")]["$ref"].rsplit("/", 1)[1] for model in unique}
        definitions: dict[str, Any] = top.get("$defs", {})
        # Pydantic names the models of a name it met twice by module: give them shorter names,
        # and titles to match (generators name their classes by the title).
        pretty = {name: _short_name(name) for name in definitions if "__" in name}
        renamed = {_REF.format(model=old): _REF.format(model=new) for old, new in pretty.items()}
        definitions = {
            pretty.get(name, name): _titled(_renamed_refs(d, renamed), pretty.get(name))
            for name, d in definitions.items()
        }
        return cls(definitions, {model: pretty.get(n, n) for model, n in names.items()})

    def request_body(self, model: type[BaseModel]) -> dict[str, Any]:
        return {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(model=self.names[model])}}
                },
            }
        }

    def operation(self, method: ApiMethod[Any], path: str) -> dict[str, Any]:
        """What FastAPI cannot see of an operation at ``path`` (Starlette's syntax: its
        endpoint takes the raw request): the path parameters, the query parameters of a GET
        or DELETE (its request model's other top-level fields), the JSON body of the others,
        the error answers it can give, each with the Wix envelope's schema, and the
        credential it takes."""
        extra: dict[str, Any] = {}
        in_path = _PATH_PARAM.findall(path)
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in in_path
        ]
        if method.verb in ("GET", "DELETE"):
            parameters += self.query_parameters(method.request_model, in_path)
        else:
            extra.update(self.request_body(method.request_model))
        if parameters:
            extra["parameters"] = parameters
        self.definitions.setdefault(ERROR_SCHEMA, _ERROR_ENVELOPE)
        statuses = {400, 404, 409, 428, 429, 501, 503, *method.statuses}
        if method.roles is not None:
            statuses |= {401, 403}
        elif method.optional_key:
            extra["security"] = [{}, {"apiKey": []}]  # none, or the API key
        else:
            extra["security"] = []  # no credential (the document's default is the API key)
        extra["responses"] = {
            str(code): {
                "description": _ERROR_DESCRIPTIONS[code],
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(model=ERROR_SCHEMA)}}
                },
            }
            for code in sorted(statuses)
        }
        return extra

    def query_parameters(self, model: type[BaseModel], in_path: list[str]) -> list[dict[str, Any]]:
        schema = self.definitions[self.names[model]]
        taken = {name.replace("__", ".") for name in in_path} | set(in_path)
        return [
            {"name": name, "in": "query", "required": False, "schema": _not_null(prop)}
            for name, prop in (schema.get("properties") or {}).items()
            if name not in taken and name.split(".")[0] not in taken
        ]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema without its ``null`` alternative: a query parameter is
    absent or a value, and no query string spells null."""
    if "anyOf" not in schema:
        return schema
    options = [o for o in schema["anyOf"] if o != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**rest, **options[0]} if len(options) == 1 else {**rest, "anyOf": options}


def merge_request_schemas(doc: dict[str, Any], definitions: dict[str, Any]) -> None:
    """Add the request schemas to ``doc``'s components. A name FastAPI gave a different
    (response) schema is taken by the request schema as ``<name>Input``, and the requests'
    references follow it: a request must not be read with a response's schema."""
    components: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    renamed: dict[str, str] = {}
    for name, definition in definitions.items():
        if name in components and components[name] != definition:
            renamed[_REF.format(model=name)] = _REF.format(model=f"{name}Input")
    for name, definition in definitions.items():
        new = f"{name}Input" if _REF.format(model=name) in renamed else name
        components[new] = _titled(_renamed_refs(definition, renamed), new if new != name else None)
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            for part in ("requestBody", "parameters"):
                if part in operation:
                    operation[part] = _renamed_refs(operation[part], renamed)


def _renamed_refs(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: renamed.get(v, v)
            if k == "$ref" and isinstance(v, str)
            else _renamed_refs(v, renamed)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_renamed_refs(v, renamed) for v in node]
    return node


def _short_name(qualified: str) -> str:
    """``bookings__catalog__services__schemas__Location`` -> ``CatalogServicesLocation``."""
    *module, name = qualified.split("__")
    words = [w for w in module if w not in ("bookings", "schemas")]
    return "".join(w.title().replace("_", "") for w in words) + name


def _titled(definition: Any, title: str | None) -> Any:
    if title is None or not isinstance(definition, dict):
        return definition
    return {**definition, "title": title}
