"""The published formats, made from :mod:`wsconform.core.schema`: validation,
JSON Schemas, and their documentation.

* :func:`first_problem` checks a document against its type (pydantic) and
  names the first place it departs from it, in one line.
* :func:`json_schema` is the JSON Schema of a kind of document; the committed
  ``wsconform/core/schemas/KIND.schema.json`` files are exactly these
  (``python -m wsconform.core.formats --check`` says whether they are, and
  ``nox -s lint`` runs it).
* :func:`markdown` is the reference page of the formats, generated from the
  same types and their field docstrings (the documentation includes it).

``python -m wsconform.core.formats`` writes the schemas; ``--check`` only
compares, exit 1 when a committed file differs.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from wsconform.core.schema import PlanDocument, ReferenceDocument, ResultsFile, SideRecord

#: Where the committed JSON Schemas are.
SCHEMAS = Path(__file__).resolve().parent / "schemas"

#: Each kind of document: its type and its title.
KINDS: dict[str, tuple[Any, str]] = {
    "results": (ResultsFile, "websockets-conformance results (reports/results.json)"),
    "reference": (ReferenceDocument, "websockets-conformance reference (reports/reference/SCENARIO.json)"),
    "plan": (PlanDocument, "websockets-conformance plan (nox -s plan)"),
}

#: Parts of documents that are checked alone too: a side record (what test
#: fixtures and recorded samples hold).
PARTS: dict[str, Any] = {"side": SideRecord}

#: The longest problem text a one-line error quotes.
LONGEST = 160


@functools.cache
def adapter(kind: str) -> TypeAdapter[Any]:
    """The validator of one kind of document, or of a part (built once: it costs ~50 ms)."""
    return TypeAdapter(KINDS[kind][0] if kind in KINDS else PARTS[kind])


def where(location: tuple[int | str, ...]) -> str:
    """A pydantic location as a JSON path: ``.cells[3].outcomes[0].key``."""
    text = "".join(
        f"[{part}]" if isinstance(part, int) else " (its key)" if part == "[key]" else f".{part}" for part in location
    )
    return text or "the document"


def first_problem(kind: str, document: Any) -> str | None:
    """``where: what`` for the first place ``document`` departs from its
    type, or None when it conforms."""
    try:
        adapter(kind).validate_python(document)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        message = str(error["msg"])
        if len(message) > LONGEST:
            message = message[: LONGEST - 3] + "..."
        return f"{where(tuple(error['loc']))}: {message}"
    except RecursionError:
        return "the document: nested too deeply"
    return None


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, without a title on every property (the field
    docstrings say what each one is)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        # Pydantic writes keys with a pattern as ``patternProperties``, which
        # lets any other key through; the types refuse them, and so must the
        # schema: ``propertyNames`` with the pattern, values as ``additionalProperties``.
        generated = super().dict_schema(schema)
        patterns = generated.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            generated["propertyNames"] = {"pattern": pattern}
            generated["additionalProperties"] = values
        return generated

    def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
        generated = super().typed_dict_schema(schema)
        generated.pop("title", None)
        return generated


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of document, as committed."""
    generated = adapter(kind).json_schema(schema_generator=_Generator, ref_template="#/$defs/{model}")
    definitions = generated.pop("$defs", {})
    # Definitions are named after their type, without the type parameters
    # pydantic appends (``CellRecord_StoredEvidence_StoredRaw_`` → ``CellRecord``).
    names = {name: name.split("_", 1)[0] for name in definitions}
    text = json.dumps(definitions | generated)
    for old, new in sorted(names.items(), key=lambda item: -len(item[0])):
        text = text.replace(f'"#/$defs/{old}"', f'"#/$defs/{new}"')
    renamed = json.loads(text)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/websockets-conformance/{kind}.schema.json",
        "title": KINDS[kind][1],
    }
    schema.update({key: renamed[key] for key in renamed if key not in definitions})
    schema["$defs"] = {names[name]: renamed[name] for name in sorted(definitions, key=lambda n: names[n])}
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=1, ensure_ascii=False) + "\n"


# The reference page of the formats.


def _type_text(node: dict[str, Any], definitions: dict[str, Any]) -> str:
    """A JSON Schema node as a short type for people: objects link to their
    table, enums are spelled out."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if "enum" in definitions.get(name, {}):
            return _type_text(definitions[name], definitions)
        return f"[{name}](#{name.lower()})"
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(value)}`" for value in node["enum"])
    if "anyOf" in node:
        return " or ".join(_type_text(option, definitions) for option in node["anyOf"])
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type_text(node.get('items', {}), definitions)}"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, dict) and values:
            keys = node.get("propertyNames", {}).get("pattern")
            return f"object: {f'`{keys}`' if keys else 'name'} → {_type_text(values, definitions)}"
        return "object"
    if kind is None:
        return "any"
    constraints = [f"{word} {node[key]}" for key, word in (("minimum", "≥"), ("maximum", "≤")) if key in node]
    constraints += [f"items {word} {node[key]}" for key, word in (("minItems", "≥"), ("maxItems", "≤")) if key in node]
    if "minLength" in node:
        constraints.append(f"length ≥ {node['minLength']}")
    if "pattern" in node:
        constraints.append(f"matching `{node['pattern']}`")
    return str(kind) + (f" ({', '.join(constraints)})" if constraints else "")


def _object_table(name: str, node: dict[str, Any], definitions: dict[str, Any]) -> list[str]:
    required = set(node.get("required", ()))
    lines = [f"### {name}", ""]
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    properties = node.get("properties", {})
    if properties:
        lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
        for field_name, field in properties.items():
            meaning = " ".join(str(field.get("description", "")).split()).replace("|", "\\|")
            needed = "yes" if field_name in required else "no"
            lines.append(f"| `{field_name}` | {_type_text(field, definitions)} | {needed} | {meaning} |")
        lines.append("")
        if node.get("additionalProperties") is False:
            lines += ["No other fields.", ""]
    return lines


def markdown() -> str:
    """The formats' reference page (Markdown), generated from the types."""
    lines = [
        "# Data formats",
        "",
        "Generated from `wsconform/core/schema.py` by `python -m wsconform.core.formats`; the JSON",
        "Schemas beside it (`wsconform/core/schemas/`) come from the same types. Every file the harness",
        "reads is checked against them: a file that departs is one line naming the file and the",
        "first problem, exit 5.",
        "",
    ]
    for kind in KINDS:
        schema = json_schema(kind)
        lines += [f"## {kind.capitalize()}: `{schema['$id'].rsplit('/', 1)[-1]}`", ""]
        definitions = schema["$defs"]
        lines += _object_table(f"{kind.capitalize()} document", schema, definitions)
        for name, definition in definitions.items():
            if definition.get("type") == "object":
                lines += _object_table(name, definition, definitions)
    return "\n".join(lines).rstrip() + "\n"


def main(arguments: list[str]) -> int:
    """Write the JSON Schemas (or, with ``--check``, compare them); exit 1 on a difference."""
    check = "--check" in arguments
    stale = []
    for kind in KINDS:
        path = SCHEMAS / f"{kind}.schema.json"
        text = schema_text(kind)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'differs from the models' if check else 'written'}: {path}")
    if check and stale:
        print("regenerate with: python -m wsconform.core.formats")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
