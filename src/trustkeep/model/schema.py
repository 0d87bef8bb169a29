"""The published JSON Schema of trustkeep.yaml (docs/trustkeep.schema.json).

Regenerate with `python -m trustkeep.model.schema > docs/trustkeep.schema.json`;
a test fails when the published file and the models disagree.
"""

from __future__ import annotations

import json
from typing import Any

from trustkeep.model.document import Model


def json_schema() -> dict[str, Any]:
    schema = Model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "trustkeep.yaml"
    return schema


def render() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
